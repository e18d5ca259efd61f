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

    /// <summary>
    /// True when both lists describe the same tensors: the same names, each once, with equal element
    /// types and shapes. Order does not matter: a module's state dict lists its own parameters before
    /// its submodules' (matrix factorization's <c>global_bias</c> comes first there), while a description
    /// computed without the module may list them in another order.
    /// </summary>
    public static bool SameTensors(IReadOnlyList<TensorShape> first, IReadOnlyList<TensorShape> second)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        if (first.Count != second.Count)
        {
            return false;
        }

        var byName = new Dictionary<string, TensorShape>(first.Count, StringComparer.Ordinal);
        foreach (TensorShape shape in first)
        {
            if (shape is null || shape.Name is null || !byName.TryAdd(shape.Name, shape))
            {
                return false;
            }
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (TensorShape shape in second)
        {
            if (shape is null || shape.Name is null || !seen.Add(shape.Name)
                || !byName.TryGetValue(shape.Name, out TensorShape? match) || !match.Equals(shape))
            {
                return false;
            }
        }

        return true;
    }
}
