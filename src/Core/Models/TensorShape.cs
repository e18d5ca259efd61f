namespace Recommender.Core.Models;

/// <summary>Name, element type and shape of one tensor of a model.</summary>
/// <param name="Name">State-dict key, e.g. <c>user_factors.weight</c>.</param>
/// <param name="ElementType">TorchSharp scalar type name, e.g. <c>Float32</c>.</param>
/// <param name="Shape">Size of each dimension.</param>
public sealed record TensorShape(string Name, string ElementType, IReadOnlyList<long> Shape)
{
    /// <summary>Equal when name, element type and every dimension match.</summary>
    public bool Equals(TensorShape? other) =>
        other is not null && Name == other.Name && ElementType == other.ElementType && Shape.SequenceEqual(other.Shape);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Name, ElementType, Shape.Count);
}
