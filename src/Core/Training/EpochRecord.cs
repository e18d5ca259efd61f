namespace Recommender.Core.Training;

/// <summary>What one epoch produced, as kept in <c>model.json</c>.</summary>
/// <param name="Epoch">Epoch number, from 1.</param>
/// <param name="Loss">Mean training loss over the epoch's batches.</param>
/// <param name="Metric">The validator's driving metric, when the epoch was evaluated.</param>
/// <param name="Metrics">Every metric the validator reported, when the epoch was evaluated.</param>
/// <param name="WallSeconds">Wall time of the epoch's training and validation.</param>
public sealed record EpochRecord(int Epoch, double Loss, double? Metric, IReadOnlyDictionary<string, double>? Metrics, double WallSeconds);
