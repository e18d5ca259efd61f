using Recommender.Core.Models;

namespace Recommender.Core.Training;

/// <summary>
/// Scores a model's current factors on held-out data after each epoch, for early stopping and
/// the per-epoch metrics in <c>model.json</c>. Implicit models use a ranking metric (NDCG@K),
/// explicit ones an error (RMSE).
/// </summary>
public interface ITrainingValidator
{
    /// <summary>Name of the metric that drives early stopping, e.g. <c>ndcg@10</c> or <c>rmse</c>.</summary>
    string MetricName { get; }

    /// <summary>True when larger values of the metric are better.</summary>
    bool HigherIsBetter { get; }

    /// <summary>Computes the metric (and any others worth recording) for the given factors.</summary>
    ValidationResult Validate(FactorSnapshot factors, CancellationToken cancellationToken = default);
}

/// <summary>The driving metric's value plus other metrics recorded alongside it.</summary>
public sealed record ValidationResult(double Value, IReadOnlyDictionary<string, double> Metrics);
