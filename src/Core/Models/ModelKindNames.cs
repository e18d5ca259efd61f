namespace Recommender.Core.Models;

/// <summary>The names a run's overrides (the HTTP API's <c>kind</c>) give the concrete model kinds.</summary>
public static class ModelKindNames
{
    private static readonly Dictionary<string, ModelKind> Kinds = new(StringComparer.OrdinalIgnoreCase)
    {
        ["mf"] = ModelKind.MatrixFactorization,
        ["matrixfactorization"] = ModelKind.MatrixFactorization,
        ["bpr"] = ModelKind.Bpr,
        ["softmax"] = ModelKind.Softmax,
        ["ease"] = ModelKind.Ease,
        ["ials"] = ModelKind.Ials,
    };

    /// <summary>The short names, as error messages list them.</summary>
    public static IReadOnlyList<string> ShortNames { get; } = ["mf", "bpr", "softmax", "ease", "ials"];

    /// <summary>The kind <paramref name="name"/> stands for (case-insensitive), or false.</summary>
    public static bool TryParse(string? name, out ModelKind kind) => Kinds.TryGetValue(name ?? string.Empty, out kind);
}
