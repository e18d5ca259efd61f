namespace Recommender.Core.Training;

/// <summary>
/// Where a training run is: reported a few times per epoch and once at the end of each epoch
/// (then <see cref="Batch"/> equals <see cref="Batches"/> and the epoch's checkpoint is written).
/// </summary>
/// <param name="Epoch">Current epoch, from 1.</param>
/// <param name="TotalEpochs">Epochs the run is configured for.</param>
/// <param name="Batch">Batches done in this epoch.</param>
/// <param name="Batches">Batches per epoch.</param>
/// <param name="Loss">Mean training loss of the epoch's batches so far.</param>
/// <param name="Metric">Validation metric of the epoch, at the end of an evaluated epoch; otherwise null.</param>
/// <param name="MetricName">Name of <paramref name="Metric"/>, when there is one.</param>
public sealed record TrainingProgress(int Epoch, int TotalEpochs, int Batch, int Batches, double Loss, double? Metric = null, string? MetricName = null)
{
    /// <summary>True for the report that closes an epoch.</summary>
    public bool IsEpochEnd => Batch == Batches;

    /// <summary>
    /// Which of the run's models the report is about where a run trains several: the candidate of the automatic
    /// choice or the part of a blend, by name (<c>ease</c>, <c>softmax</c>); null for a run of one model.
    /// </summary>
    public string? Model { get; init; }

    /// <summary>
    /// Reports to <paramref name="progress"/> with <see cref="Model"/> set to <paramref name="model"/> where no inner
    /// training named it (a blend's part keeps its own name); null stays null.
    /// </summary>
    internal static IProgress<TrainingProgress>? Of(string model, IProgress<TrainingProgress>? progress) =>
        progress is null ? null : new ModelProgress(model, progress);

    private sealed class ModelProgress(string model, IProgress<TrainingProgress> inner) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => inner.Report(value.Model is null ? value with { Model = model } : value);
    }
}
