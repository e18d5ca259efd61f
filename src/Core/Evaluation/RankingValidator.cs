using System.Globalization;
using Recommender.Core.Datasets;
using Recommender.Core.Models;
using Recommender.Core.Scoring;
using Recommender.Core.Training;

namespace Recommender.Core.Evaluation;

/// <summary>
/// Validates implicit-feedback models by NDCG@K on the held-out interactions: every user's top K
/// comes from <see cref="TopKScorer"/> with the training items excluded, and all of
/// <see cref="RankingMetrics"/> is recorded alongside.
/// </summary>
public sealed class RankingValidator : ITrainingValidator
{
    private readonly CuratedDataset _dataset;
    private readonly UserItemSets _seen;
    private readonly UserItemSets _relevant;
    private readonly int _k;
    private readonly int _batchSize;

    /// <summary>Prepares the seen and relevant item sets of <paramref name="dataset"/> once, for every epoch.</summary>
    /// <param name="dataset">Dataset whose validation interactions are the truth.</param>
    /// <param name="k">Cut-off of the ranking metrics.</param>
    /// <param name="batchSize">Users per matrix product; 0 picks one from the catalog size.</param>
    /// <exception cref="ArgumentException">The dataset has no validation interactions.</exception>
    public RankingValidator(CuratedDataset dataset, int k = 10, int batchSize = 0)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        if (dataset.Validation.Count == 0)
        {
            throw new ArgumentException($"Dataset {dataset.Version} has no validation interactions to validate against.", nameof(dataset));
        }

        _dataset = dataset;
        _k = k;
        _batchSize = batchSize;
        _seen = UserItemSets.FromInteractions([dataset.Train, dataset.SeenOnly], dataset.UserCount, dataset.ItemCount);
        _relevant = UserItemSets.FromInteractions(dataset.Validation, dataset.UserCount, dataset.ItemCount);
        MetricName = string.Create(CultureInfo.InvariantCulture, $"ndcg@{k}");
    }

    /// <inheritdoc/>
    public string MetricName { get; }

    /// <inheritdoc/>
    public bool HigherIsBetter => true;

    /// <summary>Computes the ranking metrics without wrapping them in a <see cref="ValidationResult"/>.</summary>
    public RankingMetrics Evaluate(FactorSnapshot factors, CancellationToken cancellationToken = default) =>
        RankingEvaluator.Evaluate(TopK(factors, cancellationToken), _relevant, _k);

    /// <summary>Each user's NDCG@K on validation, in user order (NaN for users without held-out items).</summary>
    public double[] NdcgByUser(FactorSnapshot factors, CancellationToken cancellationToken = default) =>
        RankingEvaluator.NdcgByUser(TopK(factors, cancellationToken), _relevant, _k);

    /// <inheritdoc/>
    public ValidationResult Validate(FactorSnapshot factors, CancellationToken cancellationToken = default)
    {
        var metrics = Evaluate(factors, cancellationToken);
        return new ValidationResult(metrics.Ndcg, metrics.ToDictionary());
    }

    /// <summary>Every user's top K, training items excluded.</summary>
    private RecommendationLists TopK(FactorSnapshot factors, CancellationToken cancellationToken)
    {
        ValidatorGuards.RequireMatchingFactors(factors, _dataset);
        using var scorer = new TopKScorer(factors, _seen, _batchSize);
        return scorer.ScoreAll(_k, cancellationToken);
    }
}
