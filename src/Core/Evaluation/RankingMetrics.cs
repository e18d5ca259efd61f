using System.Globalization;

namespace Recommender.Core.Evaluation;

/// <summary>
/// Top-K ranking quality averaged over the users that have both held-out items and a non-empty
/// recommendation list, with the definitions of Microsoft Recommenders' <c>python_evaluation</c>
/// (every held-out item is relevant, binary gains).
/// </summary>
/// <param name="K">Cut-off the lists were truncated to.</param>
/// <param name="UserCount">Users averaged over (present in both the truth and the predictions).</param>
/// <param name="Precision">Hits in the top K divided by K (not by the list length).</param>
/// <param name="Recall">Hits in the top K divided by the user's relevant count.</param>
/// <param name="Ndcg">DCG with gains 1/log2(rank + 1) over the ideal DCG of min(K, relevant) hits.</param>
/// <param name="Map">Average precision over the top K, divided by the user's relevant count (Recommenders' <c>map</c>).</param>
/// <param name="MapAtK">Average precision over the top K, divided by min(K, relevant count) (Recommenders' <c>map_at_k</c>).</param>
/// <param name="CatalogCoverage">Distinct items in all top-K lists divided by the catalog size.</param>
public sealed record RankingMetrics(
    int K,
    int UserCount,
    double Precision,
    double Recall,
    double Ndcg,
    double Map,
    double MapAtK,
    double CatalogCoverage)
{
    /// <summary>Metric names as recorded in reports and <c>model.json</c>, e.g. <c>ndcg@10</c>.</summary>
    public IReadOnlyDictionary<string, double> ToDictionary()
    {
        string k = K.ToString(CultureInfo.InvariantCulture);
        return new Dictionary<string, double>(StringComparer.Ordinal)
        {
            [$"precision@{k}"] = Precision,
            [$"recall@{k}"] = Recall,
            [$"ndcg@{k}"] = Ndcg,
            ["map"] = Map,
            [$"map@{k}"] = MapAtK,
            [$"coverage@{k}"] = CatalogCoverage,
            ["users"] = UserCount,
        };
    }
}

/// <summary>Error of explicit rating predictions over the (user, item) pairs that have both a truth and a prediction.</summary>
/// <param name="Count">Pairs compared.</param>
/// <param name="Rmse">Root mean squared error.</param>
/// <param name="Mae">Mean absolute error.</param>
public sealed record RatingMetrics(long Count, double Rmse, double Mae)
{
    /// <summary>Metric names as recorded in reports and <c>model.json</c>.</summary>
    public IReadOnlyDictionary<string, double> ToDictionary() => new Dictionary<string, double>(StringComparer.Ordinal)
    {
        ["rmse"] = Rmse,
        ["mae"] = Mae,
        ["pairs"] = Count,
    };
}

/// <summary>What the metric names of <see cref="RankingMetrics"/> and <see cref="RatingMetrics"/> stand for, for those who show them.</summary>
public static class MetricNames
{
    /// <summary>True for the entries that count what was measured (users, rating pairs) rather than measure it: shown as whole numbers.</summary>
    public static bool IsCount(string name) => name is "users" or "pairs";

    /// <summary><paramref name="value"/> of metric <paramref name="name"/> as tables show it: a whole number for a count, else four decimals.</summary>
    public static string Format(string name, double value) =>
        value.ToString(IsCount(name) ? "N0" : "F4", CultureInfo.InvariantCulture);
}
