using Recommender.Core.Datasets;
using Recommender.Core.Evaluation;
using Recommender.Core.Models;
using Recommender.Core.Scoring;
using Recommender.Core.Training;

namespace Recommender.Core.Pipeline;

/// <summary>
/// A trained model, the popularity baseline and (when there is one) the live model, measured the
/// same way on one dataset's held-out interactions: Microsoft Recommenders' ranking metrics at K
/// with training items (and the seen-only pairs, <see cref="CuratedDataset.SeenOnly"/>) removed from the rankings, plus RMSE/MAE for matrix factorization on explicit
/// data, where the baseline's RMSE is that of each item's mean rating (<see cref="ItemMeanRatingBaseline"/>).
/// </summary>
/// <param name="K">Cut-off.</param>
/// <param name="Model">Metrics of the new model.</param>
/// <param name="Popularity">Metrics of the popularity baseline.</param>
/// <param name="Live">Metrics of the live model, or null.</param>
/// <param name="GatesOnRatings">
/// True when the model predicts ratings (matrix factorization): the gate then compares RMSE, which such
/// a model is trained to lower, instead of NDCG, which ranks by predicted rating and is no aim of it.
/// </param>
public sealed record ModelEvaluation(int K, IReadOnlyDictionary<string, double> Model, IReadOnlyDictionary<string, double> Popularity, IReadOnlyDictionary<string, double>? Live, bool GatesOnRatings = false)
{
    /// <summary>Name of the error metric of rating models.</summary>
    public const string RatingMetric = "rmse";

    /// <summary>Name of the metric the quality gate compares: <c>rmse</c> for rating models, else <c>ndcg@K</c>.</summary>
    public string GateMetric => GatesOnRatings ? RatingMetric : $"ndcg@{K.ToString(System.Globalization.CultureInfo.InvariantCulture)}";

    /// <summary>True when larger values of <see cref="GateMetric"/> are better.</summary>
    public bool GateHigherIsBetter => !GatesOnRatings;

    /// <summary>
    /// Least share of the dataset's users, and of its items, the live model must know for its metrics to mean
    /// something here: below it (a model of another catalog, a store reused for other data) it is not compared.
    /// </summary>
    public const double MinLiveOverlap = 0.5;

    /// <summary>Why the live model was not compared (it knows too few of these users or items), or null.</summary>
    public string? LiveNotCompared { get; init; }

    /// <summary>Measures <paramref name="model"/>, popularity and <paramref name="live"/> on <paramref name="dataset"/>.</summary>
    public static ModelEvaluation Compute(CuratedDataset dataset, TrainedModel model, PopularityRecommender popularity, TrainedModel? live, int k, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(popularity);
        var seen = UserItemSets.FromInteractions([dataset.Train, dataset.SeenOnly], dataset.UserCount, dataset.ItemCount);
        var relevant = UserItemSets.FromInteractions(dataset.Validation, dataset.UserCount, dataset.ItemCount);
        bool ratings = dataset.IsExplicit && model.Manifest.Kind == ModelKind.MatrixFactorization;

        Dictionary<string, double> modelMetrics = Ranking(model.Factors, seen, relevant, dataset.ItemCount, k, cancellationToken);
        RecommendationLists popular = popularity.Recommend(k, 0, dataset.UserCount, seen);
        Dictionary<string, double> popularityMetrics = new(RankingEvaluator.Evaluate(popular, relevant, k).ToDictionary());
        if (ratings)
        {
            AddRatingMetrics(modelMetrics, RatingEvaluator.Evaluate(model.Factors, dataset.Validation));
            AddRatingMetrics(popularityMetrics, ItemMeanRatingBaseline.Evaluate(dataset));
        }

        Dictionary<string, double>? liveMetrics = null;
        string? liveNotCompared = null;
        if (live is not null)
        {
            (double users, double items) = FactorAlignment.Overlap(live, dataset);
            if (users < MinLiveOverlap || items < MinLiveOverlap)
            {
                liveNotCompared = FormattableString.Invariant(
                    $"the live model {live.Manifest.RunId} knows {users * 100:F0}% of these users and {items * 100:F0}% of these items (a comparison needs {MinLiveOverlap * 100:F0}% of each)");
            }
            else
            {
                FactorSnapshot aligned = FactorAlignment.AlignTo(live, dataset);
                liveMetrics = Ranking(aligned, seen, relevant, dataset.ItemCount, k, cancellationToken);
                if (ratings && live.Manifest.Kind == ModelKind.MatrixFactorization)
                {
                    // Only the ratings of users and items the live model knows: it has no prediction for the others.
                    AddRatingMetrics(liveMetrics, RatingEvaluator.Evaluate(aligned, FactorAlignment.KnownRows(live, dataset, dataset.Validation)));
                }
            }
        }

        return new ModelEvaluation(k, modelMetrics, popularityMetrics, liveMetrics, ratings) { LiveNotCompared = liveNotCompared };
    }

    private static void AddRatingMetrics(Dictionary<string, double> metrics, RatingMetrics rating)
    {
        foreach ((string name, double value) in rating.ToDictionary())
        {
            metrics[name] = value;
        }
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
    /// <summary>
    /// Decides whether <paramref name="evaluation"/> may be published under <paramref name="settings"/>.
    /// Ranking models: NDCG@K above <see cref="PipelineRunSettings.MinNdcgVersusPopularity"/> times
    /// popularity's. Rating models: RMSE below the item-mean baseline's divided by that factor. A tie has not
    /// beaten the baseline; a factor of 0 turns that check off. Both: no worse than the live model by more than
    /// <see cref="PipelineRunSettings.MaxRegressionVersusLive"/>.
    /// </summary>
    public static (bool Passed, string Reason) Decide(ModelEvaluation evaluation, PipelineRunSettings settings)
    {
        ArgumentNullException.ThrowIfNull(evaluation);
        ArgumentNullException.ThrowIfNull(settings);
        string metric = evaluation.GateMetric;
        double model = evaluation.Model.GetValueOrDefault(metric, double.NaN);
        double popularity = evaluation.Popularity.GetValueOrDefault(metric, double.NaN);
        double? live = evaluation.Live is { } liveMetrics && liveMetrics.TryGetValue(metric, out double value) && double.IsFinite(value) ? value : null;
        if (!double.IsFinite(model))
        {
            return (false, $"{metric} of the new model is not a number.");
        }

        if (evaluation.GateHigherIsBetter)
        {
            // A model that only ties popularity has not beaten it (on a tiny log both rank the same few items); a factor of 0
            // turns the check off.
            double popularityFloor = popularity * settings.MinNdcgVersusPopularity;
            if (settings.MinNdcgVersusPopularity > 0 && model <= popularityFloor)
            {
                string how = model < popularityFloor ? "is below" : "does not beat";
                return (false, FormattableString.Invariant($"{metric} {model:F4} {how} {settings.MinNdcgVersusPopularity:F2} x popularity's {popularity:F4}."));
            }

            if (live is { } l && model < l * (1 - settings.MaxRegressionVersusLive))
            {
                return (false, FormattableString.Invariant($"{metric} {model:F4} regresses more than {settings.MaxRegressionVersusLive:P0} against the live model's {l:F4}."));
            }

            return (true, FormattableString.Invariant($"{metric} {model:F4} vs popularity {popularity:F4}") + (live is { } shown ? FormattableString.Invariant($" and live {shown:F4}.") : ".") + NotCompared(evaluation));
        }

        // Errors: lower is better, and a tie has not beaten the baseline either. A factor of 0 turns the check off, as it does for NDCG.
        double baselineCeiling = popularity / settings.MinNdcgVersusPopularity;
        if (double.IsFinite(popularity) && settings.MinNdcgVersusPopularity > 0 && model >= baselineCeiling)
        {
            string how = model > baselineCeiling ? "is above" : "does not beat";
            return (false, FormattableString.Invariant($"{metric} {model:F4} {how} the item-mean baseline's {popularity:F4} / {settings.MinNdcgVersusPopularity:F2}."));
        }

        if (live is { } liveError && model > liveError * (1 + settings.MaxRegressionVersusLive))
        {
            return (false, FormattableString.Invariant($"{metric} {model:F4} is more than {settings.MaxRegressionVersusLive:P0} above the live model's {liveError:F4}."));
        }

        return (true, FormattableString.Invariant($"{metric} {model:F4} vs item-mean baseline {popularity:F4}") + (live is { } shownError ? FormattableString.Invariant($" and live {shownError:F4}.") : ".") + NotCompared(evaluation));
    }

    private static string NotCompared(ModelEvaluation evaluation) =>
        evaluation.LiveNotCompared is { } why ? $" Not compared with the live model: {why}." : string.Empty;
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
        if (ColumnSources(model.Manifest, itemSources) is { } columnSources)
        {
            // EASE's columns are items too (interaction rows, B's columns): both axes move to the new catalog.
            float[] history = Gather(source.UserFactors, d, userSources, columnSources);
            float[] weights = Gather(source.ItemFactors, d, itemSources, columnSources);
            return new FactorSnapshot(history, weights, dataset.UserCount, dataset.ItemCount, columnSources.Length);
        }

        float[] users = Gather(source.UserFactors, d, userSources, columnSources: null);
        float[] items = Gather(source.ItemFactors, d, itemSources, columnSources: null);
        return new FactorSnapshot(users, items, dataset.UserCount, dataset.ItemCount, d);
    }

    /// <summary>
    /// The rows of <paramref name="table"/> (indexed by <paramref name="dataset"/>'s vocabularies) whose user
    /// and item <paramref name="model"/> knows.
    /// </summary>
    public static InteractionTable KnownRows(TrainedModel model, CuratedDataset dataset, InteractionTable table)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(table);
        var users = new HashSet<string>(model.UserIds, StringComparer.Ordinal);
        var items = new HashSet<string>(model.ItemIds, StringComparer.Ordinal);
        var rows = new List<int>(table.Count);
        for (int row = 0; row < table.Count; row++)
        {
            if (users.Contains(dataset.UserIds[table.Users[row]]) && items.Contains(dataset.ItemIds[table.Items[row]]))
            {
                rows.Add(row);
            }
        }

        return new InteractionTable(
            rows.Select(row => table.Users[row]).ToArray(),
            rows.Select(row => table.Items[row]).ToArray(),
            rows.Select(row => table.Weights[row]).ToArray(),
            rows.Select(row => table.Timestamps[row]).ToArray());
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

    /// <summary>Shares of <paramref name="dataset"/>'s users and items that <paramref name="model"/> has factors for (0 to 1).</summary>
    public static (double Users, double Items) Overlap(TrainedModel model, CuratedDataset dataset)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(dataset);
        return (Share(model.UserIds, dataset.UserIds), Share(model.ItemIds, dataset.ItemIds));
    }

    private static double Share(IReadOnlyList<string> known, IReadOnlyList<string> wanted)
    {
        if (wanted.Count == 0)
        {
            return 1;
        }

        var set = new HashSet<string>(known, StringComparer.Ordinal);
        return (double)wanted.Count(set.Contains) / wanted.Count;
    }

    /// <summary>
    /// Where each column of a model's rows comes from once its catalog is <paramref name="itemSources"/>'s, when
    /// its columns include items (EASE, or a blend with an EASE part); null when every column is an embedding one.
    /// </summary>
    private static int[]? ColumnSources(ModelManifest manifest, int[] itemSources)
    {
        if (manifest.Kind == ModelKind.Ease)
        {
            return itemSources;
        }

        if (manifest.Kind != ModelKind.Blend || manifest.Options.BlendParts is not { } parts || parts.All(part => part.Options.Kind != ModelKind.Ease))
        {
            return null;
        }

        var columns = new List<int>();
        int offset = 0;
        foreach (BlendPart part in parts)
        {
            if (part.Options.Kind == ModelKind.Ease)
            {
                int start = offset;
                columns.AddRange(itemSources.Select(source => source < 0 ? -1 : start + source));
                offset += manifest.ItemCount;
            }
            else
            {
                int width = ModelShape.ScoringWidthOf(part.Options, manifest.ItemCount);
                columns.AddRange(Enumerable.Range(offset, width));
                offset += width;
            }
        }

        return [.. columns];
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
