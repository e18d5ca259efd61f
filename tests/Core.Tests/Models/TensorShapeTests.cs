using Recommender.Core.Models;

namespace Recommender.Core.Tests.Models;

public sealed class TensorShapeTests
{
    private static readonly TensorShape Users = new("user_factors.weight", "Float32", [4, 2]);
    private static readonly TensorShape Items = new("item_factors.weight", "Float32", [5, 2]);
    private static readonly TensorShape GlobalBias = new("global_bias", "Float32", [1]);

    [Fact]
    public void SameTensors_SameTensorsInAnotherOrder_True()
    {
        Assert.True(TensorShape.SameTensors([GlobalBias, Users, Items], [Users, Items, GlobalBias]));
    }

    [Fact]
    public void SameTensors_OneShapeDiffers_False()
    {
        Assert.False(TensorShape.SameTensors([Users, Items], [Users, Items with { Shape = [6, 2] }]));
    }

    [Fact]
    public void SameTensors_OneElementTypeDiffers_False()
    {
        Assert.False(TensorShape.SameTensors([Users, Items], [Users, Items with { ElementType = "Float64" }]));
    }

    [Fact]
    public void SameTensors_ATensorMissingOrExtra_False()
    {
        Assert.False(TensorShape.SameTensors([Users, Items], [Users]));
        Assert.False(TensorShape.SameTensors([Users], [Users, Items]));
    }

    [Fact]
    public void SameTensors_ANameRepeatedInPlaceOfAnother_False()
    {
        Assert.False(TensorShape.SameTensors([Users, Items], [Users, Users]));
        Assert.False(TensorShape.SameTensors([Users, Users], [Users, Items]));
    }
}
