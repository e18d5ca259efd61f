using System.Text;
using Recommender.Core.Models;
using Recommender.Core.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Recommender.Core.Tests.Training;

public sealed class TorchStateFormatTests
{
    private static readonly ModelShape Shape = new(ModelKind.Bpr, 5, 7, 3);

    [Fact]
    public void ValidateModuleState_WhatModuleSaveWrites_Accepted()
    {
        using EmbeddingModel model = ModelFactory.Create(Shape, ModelLossSettings.ForScoring);
        byte[] saved = SaveModule(model);
        using var reader = new BinaryReader(new MemoryStream(saved));

        TorchStateFormat.ValidateModuleState(reader, saved.Length, ModelFactory.ExpectedParameters(Shape), "test.ckpt");

        Assert.Equal(saved.Length, reader.BaseStream.Position);
    }

    [Fact]
    public void ValidateModuleState_OtherShapeExpected_RejectedNamingTensor()
    {
        using EmbeddingModel model = ModelFactory.Create(Shape, ModelLossSettings.ForScoring);
        byte[] saved = SaveModule(model);
        using var reader = new BinaryReader(new MemoryStream(saved));
        IReadOnlyList<TensorShape> other = ModelFactory.ExpectedParameters(Shape with { UserCount = 6 });

        var error = Assert.Throws<InvalidModelArtifactException>(() => TorchStateFormat.ValidateModuleState(reader, saved.Length, other, "test.ckpt"));

        Assert.Contains("user_factors.weight", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ValidateModuleState_Truncated_Rejected()
    {
        using EmbeddingModel model = ModelFactory.Create(Shape, ModelLossSettings.ForScoring);
        byte[] saved = SaveModule(model);
        using var reader = new BinaryReader(new MemoryStream(saved[..^4]));

        Assert.Throws<InvalidModelArtifactException>(() => TorchStateFormat.ValidateModuleState(reader, saved.Length - 4, ModelFactory.ExpectedParameters(Shape), "test.ckpt"));
    }

    [Fact]
    public void ValidateModuleState_HeaderClaimingHugeDimensionCount_RejectedWithoutReadingOn()
    {
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            WriteLeb128(writer, 3);
            writer.Write("user_factors.weight");
            WriteLeb128(writer, (long)ScalarType.Float32);
            WriteLeb128(writer, long.MaxValue / 2);
        }

        using var reader = new BinaryReader(new MemoryStream(buffer.ToArray()));

        var error = Assert.Throws<InvalidModelArtifactException>(() => TorchStateFormat.ValidateModuleState(reader, buffer.Length, ModelFactory.ExpectedParameters(Shape), "crafted.ckpt"));

        Assert.Contains("dimensions", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ValidateAdamState_WhatAdamWrites_Accepted()
    {
        using EmbeddingModel model = ModelFactory.Create(Shape, ModelLossSettings.ForScoring);
        using var optimizer = torch.optim.Adam(model.parameters(), lr: 0.01);
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            optimizer.save_state_dict(writer);
        }

        long optionsLength = OptionsLength(optimizer);
        using var reader = new BinaryReader(new MemoryStream(buffer.ToArray()));

        TorchStateFormat.ValidateAdamState(reader, buffer.Length, "Adam", model.DescribeParameters(), optionsLength, "test.ckpt");

        Assert.Equal(buffer.Length, reader.BaseStream.Position);
    }

    private static long OptionsLength(TorchSharp.Modules.Adam optimizer)
    {
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            optimizer.state_dict().Options[0].SaveStateDict(writer);
        }

        return buffer.Length;
    }

    private static byte[] SaveModule(EmbeddingModel model)
    {
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            model.save(writer);
        }

        return buffer.ToArray();
    }

    private static void WriteLeb128(BinaryWriter writer, long value)
    {
        ulong remaining = (ulong)value;
        do
        {
            byte next = (byte)(remaining & 0x7F);
            remaining >>= 7;
            writer.Write(remaining == 0 ? next : (byte)(next | 0x80));
        }
        while (remaining != 0);
    }
}
