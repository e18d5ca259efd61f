using Recommender.Core.Pipeline;

namespace Recommender.Core.TrainingHosts;

/// <summary>Runs one training call of a run: up to <see cref="TrainStageInput.MaxEpochsThisCall"/> more epochs, resuming from the run's checkpoints.</summary>
public interface ITrainingHost
{
    /// <summary>Trains, waits until the call ends and reports where the run stands.</summary>
    Task<TrainStageOutput> TrainAsync(TrainStageInput input, CancellationToken cancellationToken = default);
}

/// <summary>Trains in this process.</summary>
public sealed class InlineTrainingHost(TrainStage train) : ITrainingHost
{
    /// <inheritdoc />
    public Task<TrainStageOutput> TrainAsync(TrainStageInput input, CancellationToken cancellationToken = default) =>
        train.RunAsync(input, cancellationToken: cancellationToken);
}
