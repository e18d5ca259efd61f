using static TorchSharp.torch;

namespace Recommender.Core.Models;

/// <summary>
/// How strongly each implicit interaction counts in EASE's X and in iALS's observed terms: √(weight / mean weight).
/// Every weight the same gives 1 everywhere, whatever the scale of the values, so λ and α₀ keep their meaning; a
/// stronger interaction (a rating, an event weight, summed repeats) counts more, and the root keeps one heavily
/// repeated item from outweighing the rest of a user's interactions.
/// </summary>
internal static class InteractionStrengths
{
    /// <summary>Each pair's strength from its <paramref name="weights"/>, as <paramref name="dtype"/> on <paramref name="device"/>.</summary>
    public static Tensor Of(Tensor weights, ScalarType dtype, Device device)
    {
        ArgumentNullException.ThrowIfNull(weights);
        using var scope = NewDisposeScope();
        Tensor values = weights.to(dtype, device);
        return values.div(values.mean()).sqrt_().MoveToOuterDisposeScope();
    }
}
