using Recommender.Core.Datasets;
using Recommender.Core.Models;
using Recommender.Core.Training;

namespace Recommender.Core.Evaluation;

/// <summary>
/// Validates explicit-rating models by RMSE on the held-out ratings; the prediction for a pair is
/// the dot product of its factor rows (bias columns included), without clipping. MAE is recorded alongside.
/// </summary>
public sealed class RatingValidator : ITrainingValidator
{
    private readonly CuratedDataset _dataset;

    /// <summary>Validates against <paramref name="dataset"/>'s validation interactions, whose weights are the ratings.</summary>
    /// <exception cref="ArgumentException">The dataset has no validation interactions.</exception>
    public RatingValidator(CuratedDataset dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        if (dataset.Validation.Count == 0)
        {
            throw new ArgumentException($"Dataset {dataset.Version} has no validation interactions to validate against.", nameof(dataset));
        }

        _dataset = dataset;
    }

    /// <inheritdoc/>
    public string MetricName => "rmse";

    /// <inheritdoc/>
    public bool HigherIsBetter => false;

    /// <inheritdoc/>
    public ValidationResult Validate(FactorSnapshot factors, CancellationToken cancellationToken = default)
    {
        ValidatorGuards.RequireMatchingFactors(factors, _dataset);
        cancellationToken.ThrowIfCancellationRequested();
        var metrics = RatingEvaluator.Evaluate(factors, _dataset.Validation);
        return new ValidationResult(metrics.Rmse, metrics.ToDictionary());
    }
}
