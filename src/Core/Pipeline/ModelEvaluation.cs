using Recommender.Core.Datasets;
using Recommender.Core.Evaluation;
using Recommender.Core.Models;
using Recommender.Core.Scoring;
using Recommender.Core.Training;

namespace Recommender.Core.Pipeline;

/// <summary>
/// A trained model, the popularity baseline and (when there is one) the live model, measured the
/// same way on one dataset's held-out interactions: Microsoft Recommenders' ranking metrics at K
/// with training items removed from the rankings, plus RMSE/MAE for explicit models.
/// </summary>
/// <param name="K">Cut-off.</param>
/// <param name="Model">Metrics of the new model.</param>
/// <param name="Popularity">Metrics of the popularity baseline.</param>
/// <param name="Live">Metrics of the live model, or null.</param>
public sealed record ModelEvaluation(int K, IReadOnlyDictionary<string, double> Model, IReadOnlyDictionary<string, double> Popularity, IReadOnlyDictionary<string, double>? Live)
{
    /// <summary>Name of the metric the quality gate compares.</summary>
    public string GateMetric => $"ndcg@{K.ToString(System.Globalization.CultureInfo.InvariantCulture)}";

    /// <summary>Measures <paramref name="model"/>, popularity and <paramref name="live"/> on <paramref name="dataset"/>.</summary>
    public static ModelEvaluation Compute(CuratedDataset dataset, TrainedModel model, PopularityRecommender popularity, TrainedModel? live, int k, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(popularity);
        var seen = UserItemSets.FromInteractions(dataset.Train, dataset.UserCount, dataset.ItemCount);
        var relevant = UserItemSets.FromInteractions(dataset.Validation, dataset.UserCount, dataset.ItemCount);

        Dictionary<string, double> modelMetrics = Ranking(model.Factors, seen, relevant, dataset.ItemCount, k, cancellationToken);
        if (dataset.IsExplicit)
        {
            foreach ((string name, double value) in RatingEvaluator.Evaluate(model.Factors, dataset.Validation).ToDictionary())
            {
                modelMetrics[name] = value;
            }
        }

        RecommendationLists popular = popularity.Recommend(k, 0, dataset.UserCount, seen);
        Dictionary<string, double> popularityMetrics = new(RankingEvaluator.Evaluate(popular, relevant, k).ToDictionary());

        Dictionary<string, double>? liveMetrics = live is null
            ? null
            : Ranking(FactorAlignment.AlignTo(live, dataset), seen, relevant, dataset.ItemCount, k, cancellationToken);
        return new ModelEvaluation(k, modelMetrics, popularityMetrics, liveMetrics);
    }

    private static Dictionary<string, double> Ranking(FactorSnapshot factors, UserItemSets seen, UserItemSets relevant, int itemCount, int k, CancellationToken cancellationToken)
    {
        using var scorer = new TopKScorer(factors, seen);
        RecommendationLists lists = scorer.ScoreAll(k, cancellationToken);
        var metrics = new Dictionary<string, double>(RankingEvaluator.Evaluate(lists, relevant, k).ToDictionary());
        return metrics;
    }
}

/// <summary>The quality gate: publish only a model that beats popularity and does not regress against the live model.</summary>
public static class QualityGate
{
    /// <summary>Decides whether <paramref name="evaluation"/> may be published under <paramref name="settings"/>.</summary>
    public static (bool Passed, string Reason) Decide(ModelEvaluation evaluation, PipelineRunSettings settings)
    {
        ArgumentNullException.ThrowIfNull(evaluation);
        ArgumentNullException.ThrowIfNull(settings);
        string metric = evaluation.GateMetric;
        double model = evaluation.Model.GetValueOrDefault(metric);
        double popularity = evaluation.Popularity.GetValueOrDefault(metric);
        if (!double.IsFinite(model))
        {
            return (false, $"{metric} of the new model is not a number.");
        }

        double popularityFloor = popularity * settings.MinNdcgVersusPopularity;
        if (model < popularityFloor)
        {
            return (false, FormattableString.Invariant($"{metric} {model:F4} is below {settings.MinNdcgVersusPopularity:F2} x popularity's {popularity:F4}."));
        }

        if (evaluation.Live?.GetValueOrDefault(metric) is { } live && model < live * (1 - settings.MaxRegressionVersusLive))
        {
            return (false, FormattableString.Invariant($"{metric} {model:F4} regresses more than {settings.MaxRegressionVersusLive:P0} against the live model's {live:F4}."));
        }

        return (true, FormattableString.Invariant($"{metric} {model:F4} vs popularity {popularity:F4}") + (evaluation.Live?.GetValueOrDefault(metric) is { } l ? FormattableString.Invariant($" and live {l:F4}.") : "."));
    }
}

/// <summary>Re-indexes a model's factors to another dataset's vocabularies, by external id.</summary>
public static class FactorAlignment
{
    /// <summary>
    /// Factors of <paramref name="model"/> laid out for <paramref name="dataset"/>'s users and items.
    /// Users or items the model never saw get zero rows (no opinion), so the comparison is fair to
    /// the model only on what it knew.
    /// </summary>
    public static FactorSnapshot AlignTo(TrainedModel model, CuratedDataset dataset)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(dataset);
        FactorSnapshot source = model.Factors;
        int d = source.Dimension;
        int[] userSources = SourceRows(model.UserIds, dataset.UserIds);
        int[] itemSources = SourceRows(model.ItemIds, dataset.ItemIds);
        if (model.Manifest.Kind == ModelKind.Ease)
        {
            // EASE's columns are items too (interaction rows, B's columns): both axes move to the new catalog.
            float[] history = Gather(source.UserFactors, d, userSources, itemSources);
            float[] weights = Gather(source.ItemFactors, d, itemSources, itemSources);
            return new FactorSnapshot(history, weights, dataset.UserCount, dataset.ItemCount, dataset.ItemCount);
        }

        float[] users = Gather(source.UserFactors, d, userSources, columnSources: null);
        float[] items = Gather(source.ItemFactors, d, itemSources, columnSources: null);
        return new FactorSnapshot(users, items, dataset.UserCount, dataset.ItemCount, d);
    }

    /// <summary>For each target id, its row in the source, or −1.</summary>
    private static int[] SourceRows(IReadOnlyList<string> sourceIds, IReadOnlyList<string> targetIds)
    {
        var index = new Dictionary<string, int>(sourceIds.Count, StringComparer.Ordinal);
        for (int i = 0; i < sourceIds.Count; i++)
        {
            index[sourceIds[i]] = i;
        }

        var rows = new int[targetIds.Count];
        for (int t = 0; t < targetIds.Count; t++)
        {
            rows[t] = index.TryGetValue(targetIds[t], out int s) ? s : -1;
        }

        return rows;
    }

    /// <summary>Target rows gathered from source rows (zeros where there is none); columns too when <paramref name="columnSources"/> is given.</summary>
    private static float[] Gather(float[] rows, int dimension, int[] rowSources, int[]? columnSources)
    {
        int width = columnSources?.Length ?? dimension;
        var target = new float[rowSources.Length * width];
        for (int t = 0; t < rowSources.Length; t++)
        {
            int s = rowSources[t];
            if (s < 0)
            {
                continue;
            }

            if (columnSources is null)
            {
                Array.Copy(rows, (long)s * dimension, target, (long)t * width, dimension);
                continue;
            }

            for (int c = 0; c < width; c++)
            {
                if (columnSources[c] >= 0)
                {
                    target[((long)t * width) + c] = rows[((long)s * dimension) + columnSources[c]];
                }
            }
        }

        return target;
    }
}
