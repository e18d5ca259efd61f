using Recommender.Core.Evaluation;
using Recommender.Core.Models;

namespace Recommender.Core.Pipeline;

/// <summary>
/// Finds the blend (<see cref="ModelKind.Blend"/>) of the automatic choice's trained candidates that does best on
/// validation, by greedy forward selection: starting from the best single candidate, each other candidate in
/// order of its own validation value joins with the weight from a coarse grid (the blend so far keeping the
/// rest) that raises the blend's validation NDCG most, or stays out when none raises it. Models that rank
/// differently make mistakes that partly cancel: on MovieLens 100K EASE, iALS and softmax together lead the best
/// of them by about 0.01 NDCG@10 on data none of them saw. Every step scores the whole validation part once per
/// grid weight, so the search runs only where that scoring is cheap (<see cref="IsAffordable"/>).
/// </summary>
internal static class BlendSearch
{
    /// <summary>Most multiply-adds one validation scoring of the blend may take (about a quarter second on two cores).</summary>
    public const double MaxScoringMultiplyAdds = 3e10;

    /// <summary>The weights a joining candidate is tried with; the blend so far keeps one minus it.</summary>
    private static readonly double[] JoiningWeights = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];

    /// <summary>
    /// True when a blend of models of these dimensions over <paramref name="userCount"/> users and
    /// <paramref name="itemCount"/> items is cheap enough to search and fits a scoring row.
    /// </summary>
    public static bool IsAffordable(int userCount, int itemCount, IReadOnlyCollection<int> dimensions)
    {
        if (dimensions.Count < 2)
        {
            return false;
        }

        long dimension = dimensions.Sum(value => (long)value);
        return dimension <= int.MaxValue
            && ModelShape.IsScoringDimension((int)dimension, itemCount)
            && (double)userCount * itemCount * dimension <= MaxScoringMultiplyAdds;
    }

    /// <summary>
    /// The best blend of the models in <paramref name="factors"/> (null entries did not train) on the validation
    /// of <paramref name="validator"/>; null when no blend beats the best single model.
    /// </summary>
    /// <param name="factors">Each candidate's factors at its best epoch, or null.</param>
    /// <param name="byUser">Each candidate's per-user validation NDCG (<see cref="RankingValidator.NdcgByUser"/>), or null.</param>
    /// <param name="validator">The validation the candidates were chosen on.</param>
    /// <param name="cancellationToken">Cancels between scorings.</param>
    public static BlendSearchResult? Search(IReadOnlyList<FactorSnapshot?> factors, IReadOnlyList<double[]?> byUser, RankingValidator validator, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(factors);
        ArgumentNullException.ThrowIfNull(byUser);
        ArgumentNullException.ThrowIfNull(validator);
        int[] order = [.. Enumerable.Range(0, factors.Count)
            .Where(index => factors[index] is not null && byUser[index] is not null)
            .OrderByDescending(index => FiniteMean(byUser[index]!))];
        if (order.Length < 2)
        {
            return null;
        }

        var spreads = order.ToDictionary(index => index, index => BlendFactors.ScoreSpreadByUser(factors[index]!));
        var parts = new List<int> { order[0] };
        var weights = new List<double> { 1.0 };
        double[] current = byUser[order[0]]!;
        double currentValue = FiniteMean(current);
        foreach (int joining in order.Skip(1))
        {
            (double Value, double Weight, double[]? ByUser) best = (currentValue, 0, null);
            foreach (double weight in JoiningWeights)
            {
                cancellationToken.ThrowIfCancellationRequested();
                double[] tried = [.. weights.Select(value => value * (1 - weight)), weight];
                FactorSnapshot blended = BlendFactors.Combine([.. parts.Append(joining).Select(index => factors[index]!)], tried, [.. parts.Append(joining).Select(index => spreads[index])]);
                double[] values = validator.NdcgByUser(blended, cancellationToken);
                double value = FiniteMean(values);
                if (value > best.Value)
                {
                    best = (value, weight, values);
                }
            }

            if (best.ByUser is not null)
            {
                weights = [.. weights.Select(value => value * (1 - best.Weight)), best.Weight];
                parts.Add(joining);
                current = best.ByUser;
                currentValue = best.Value;
            }
        }

        if (parts.Count < 2)
        {
            return null;
        }

        FactorSnapshot chosen = BlendFactors.Combine([.. parts.Select(index => factors[index]!)], weights, [.. parts.Select(index => spreads[index])]);
        return new BlendSearchResult(parts, [.. weights.Select(weight => Math.Round(weight, 6))], current, validator.Evaluate(chosen, cancellationToken));
    }

    /// <summary>Mean of the finite values (users without validation items are NaN).</summary>
    private static double FiniteMean(double[] values)
    {
        double sum = 0;
        int count = 0;
        foreach (double value in values)
        {
            if (double.IsFinite(value))
            {
                sum += value;
                count++;
            }
        }

        return count == 0 ? double.NaN : sum / count;
    }
}

/// <summary>The blend a <see cref="BlendSearch"/> found.</summary>
/// <param name="Parts">Indices of the blended candidates, in blending order.</param>
/// <param name="Weights">Their weights (summing to 1).</param>
/// <param name="ByUser">The blend's per-user validation NDCG.</param>
/// <param name="Metrics">The blend's validation metrics.</param>
internal sealed record BlendSearchResult(IReadOnlyList<int> Parts, IReadOnlyList<double> Weights, double[] ByUser, RankingMetrics Metrics);
