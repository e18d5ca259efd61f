using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;
using Recommender.Core.Pipeline;
using Recommender.Core.Training;
using Recommender.Core.TrainingHosts;

namespace Recommender.Functions.Pipeline.Activities;

// The activities of the training pipeline. Each is thin: it resolves the Core stage service
// from DI and calls it. They throw on failure (the orchestration's retry policy applies) and
// are idempotent: paths are deterministic per run, training resumes from its checkpoint,
// lookup rows are upserts under the run's version.

/// <summary>Stage 1: preprocess every raw log into a curated dataset.</summary>
public sealed class PreprocessActivity(PipelineStages stages)
{
    /// <summary>Runs the stage.</summary>
    [Function(nameof(PreprocessActivity))]
    public Task<PreprocessStageOutput> Run([ActivityTrigger] PreprocessStageInput input, CancellationToken cancellationToken) =>
        stages.PreprocessAsync(input, cancellationToken);
}

/// <summary>The version the API serves now (the model new runs warm-start from and are compared with).</summary>
public sealed class GetLiveVersionActivity(PipelineStages stages)
{
    /// <summary>Runs the stage.</summary>
    [Function(nameof(GetLiveVersionActivity))]
    public Task<string?> Run([ActivityTrigger] string runId, CancellationToken cancellationToken) =>
        stages.GetLiveVersionAsync(cancellationToken);
}

/// <summary>Stage 2: train a few epochs (resuming from the run's newest checkpoint), in this process or a child process.</summary>
public sealed class TrainActivity(ITrainingHost host)
{
    /// <summary>Runs the stage.</summary>
    [Function(nameof(TrainActivity))]
    public Task<TrainStageOutput> Run([ActivityTrigger] TrainStageInput input, CancellationToken cancellationToken) =>
        host.TrainAsync(input, cancellationToken);
}

/// <summary>Stage 2 on the training job: starts an execution that trains the run; returns the execution's name.</summary>
public sealed class StartTrainingJobActivity(PipelineStages stages, IContainerJobClient jobs, IOptions<TrainingOptions> training)
{
    /// <summary>Runs the stage.</summary>
    [Function(nameof(StartTrainingJobActivity))]
    public async Task<string> Run([ActivityTrigger] TrainingJobStart start, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(start);
        string key = start.Key();
        if (await jobs.FindExecutionAsync(key, cancellationToken).ConfigureAwait(false) is { } running)
        {
            // An earlier try of this activity started it, and its answer was lost.
            return running;
        }

        TrainStageInput input = start.Training;
        TrainingOptions options = PipelineStages.ApplyOverrides(training.Value, input.Overrides);
        string? warmStart = await stages.WarmStartForAsync(input, cancellationToken).ConfigureAwait(false);
        return await jobs.StartExecutionAsync(key, TrainingCommandLine.Arguments(input, options, warmStart), cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>Stage 2 on the training job: the state of one execution.</summary>
public sealed class GetTrainingJobStatusActivity(IContainerJobClient jobs)
{
    /// <summary>Runs the stage.</summary>
    [Function(nameof(GetTrainingJobStatusActivity))]
    public Task<TrainingJobState> Run([ActivityTrigger] string executionName, CancellationToken cancellationToken) =>
        jobs.GetExecutionStateAsync(executionName, cancellationToken);
}

/// <summary>Stage 2 on the training job: where the run stands after an execution, from <c>models/{runId}/model.json</c>.</summary>
public sealed class ReadTrainingProgressActivity(PipelineStages stages)
{
    /// <summary>Runs the stage.</summary>
    [Function(nameof(ReadTrainingProgressActivity))]
    public Task<TrainStageOutput> Run([ActivityTrigger] TrainStageInput input, CancellationToken cancellationToken) =>
        stages.ReadTrainingProgressAsync(input, cancellationToken);
}

/// <summary>Stage 3: evaluate the new model against popularity and the live model; apply the quality gate.</summary>
public sealed class EvaluateActivity(PipelineStages stages)
{
    /// <summary>Runs the stage.</summary>
    [Function(nameof(EvaluateActivity))]
    public Task<EvaluateStageOutput> Run([ActivityTrigger] EvaluateStageInput input, CancellationToken cancellationToken) =>
        stages.EvaluateAsync(input, cancellationToken);
}

/// <summary>Stage 4, once before the shards: write the run's scoring bundle (item table, per-user rows by byte range).</summary>
public sealed class PrepareScoringActivity(PipelineStages stages)
{
    /// <summary>Runs the stage.</summary>
    [Function(nameof(PrepareScoringActivity))]
    public Task<PrepareScoringOutput> Run([ActivityTrigger] PrepareScoringInput input, CancellationToken cancellationToken) =>
        stages.PrepareScoringAsync(input, cancellationToken);
}

/// <summary>Stage 4: write one shard of users' top-K lists under the run's version.</summary>
public sealed class ScoreShardActivity(PipelineStages stages)
{
    /// <summary>Runs the stage.</summary>
    [Function(nameof(ScoreShardActivity))]
    public Task<ScoreShardOutput> Run([ActivityTrigger] ScoreShardInput input, CancellationToken cancellationToken) =>
        stages.ScoreShardAsync(input, cancellationToken);
}

/// <summary>Stage 5: write the fallback list, flip the active version, prune old versions.</summary>
public sealed class PublishActivity(PipelineStages stages)
{
    /// <summary>Runs the stage.</summary>
    [Function(nameof(PublishActivity))]
    public Task<PublishStageOutput> Run([ActivityTrigger] PublishStageInput input, CancellationToken cancellationToken) =>
        stages.PublishAsync(input, cancellationToken);
}

/// <summary>True when the raw logs changed since the given fingerprint (new data arrived during the run).</summary>
public sealed class InputChangedActivity(PipelineStages stages)
{
    /// <summary>Runs the stage.</summary>
    [Function(nameof(InputChangedActivity))]
    public Task<bool> Run([ActivityTrigger] string fingerprint, CancellationToken cancellationToken) =>
        stages.InputChangedAsync(fingerprint, cancellationToken);
}

/// <summary>Stores how a run ended.</summary>
public sealed class RecordRunActivity(RunHistory history)
{
    /// <summary>Runs the stage.</summary>
    [Function(nameof(RecordRunActivity))]
    public Task Run([ActivityTrigger] RunRecord record, CancellationToken cancellationToken) =>
        history.WriteAsync(record, cancellationToken);
}
