using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;
using Recommender.Core.Pipeline;
using Recommender.Core.Training;
using Recommender.Core.TrainingHosts;

namespace Recommender.Functions.Pipeline.Activities;

// The activities of the training pipeline. Each is thin: it calls a Core service resolved from DI.
// They throw on failure (the orchestration's retry policy applies) and may run more than once:
// paths are fixed per run, training resumes from its checkpoint, lookup rows are upserts under the
// run's version. The one call that is not naturally repeatable, starting a job execution, makes
// itself so (see StartTrainingJobActivity).

/// <summary>Stage 1: every raw log (left untouched) into the run's curated dataset.</summary>
public sealed class PreprocessActivity(PreprocessStage preprocess) : PipelineActivity<PreprocessActivity, PreprocessStageInput, PreprocessStageOutput>
{
    /// <inheritdoc />
    [Function(nameof(PreprocessActivity))]
    public override Task<PreprocessStageOutput> Run([ActivityTrigger] PreprocessStageInput input, CancellationToken cancellationToken) =>
        preprocess.RunAsync(input, cancellationToken);
}

/// <summary>The version the API serves now (the model a new run warm-starts from and is compared with); the input is the asking run's id.</summary>
public sealed class GetLiveVersionActivity(PublishStage publish) : PipelineActivity<GetLiveVersionActivity, string, string?>
{
    /// <inheritdoc />
    [Function(nameof(GetLiveVersionActivity))]
    public override Task<string?> Run([ActivityTrigger] string input, CancellationToken cancellationToken) =>
        publish.GetLiveVersionAsync(cancellationToken);
}

/// <summary>Stage 2: a few epochs from the run's newest checkpoint, in this process or a child process (<see cref="ITrainingHost"/>).</summary>
public sealed class TrainActivity(ITrainingHost host) : PipelineActivity<TrainActivity, TrainStageInput, TrainStageOutput>
{
    /// <inheritdoc />
    [Function(nameof(TrainActivity))]
    public override Task<TrainStageOutput> Run([ActivityTrigger] TrainStageInput input, CancellationToken cancellationToken) =>
        host.TrainAsync(input, cancellationToken);
}

/// <summary>Stage 2: the candidates of the run's automatic choice (none when it trains one model), which the orchestration trains in parallel.</summary>
public sealed class PlanCandidatesActivity(TrainStage train) : PipelineActivity<PlanCandidatesActivity, TrainStageInput, CandidatePlan>
{
    /// <inheritdoc />
    [Function(nameof(PlanCandidatesActivity))]
    public override Task<CandidatePlan> Run([ActivityTrigger] TrainStageInput input, CancellationToken cancellationToken) =>
        train.PlanCandidatesAsync(input, cancellationToken);
}

/// <summary>Stage 2, once the candidates are trained: the choice on validation, the winner made the run's model, the leaderboard.</summary>
public sealed class ChooseModelActivity(TrainStage train) : PipelineActivity<ChooseModelActivity, ChooseModelInput, TrainStageOutput>
{
    /// <inheritdoc />
    [Function(nameof(ChooseModelActivity))]
    public override Task<TrainStageOutput> Run([ActivityTrigger] ChooseModelInput input, CancellationToken cancellationToken) =>
        train.ChooseAsync(input, cancellationToken);
}

/// <summary>
/// Stage 2 on the training job: starts an execution that trains the run to the end and returns its name.
/// A start whose answer was lost may have been accepted, so a retry first looks for the running execution
/// with this start's key and returns that one: one run never has two executions writing its checkpoints.
/// </summary>
public sealed class StartTrainingJobActivity(TrainStage train, IContainerJobClient jobs, IOptions<TrainingOptions> training)
    : PipelineActivity<StartTrainingJobActivity, TrainingJobStart, string>
{
    /// <inheritdoc />
    [Function(nameof(StartTrainingJobActivity))]
    public override async Task<string> Run([ActivityTrigger] TrainingJobStart input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        string key = input.Key();
        if (await jobs.FindExecutionAsync(key, cancellationToken).ConfigureAwait(false) is { } running)
        {
            return running;
        }

        TrainStageInput job = input.Training;
        TrainingOptions options = TrainStage.ApplyOverrides(training.Value, job.Overrides);
        string? warmStart = await train.WarmStartForAsync(job, cancellationToken).ConfigureAwait(false);
        return await jobs.StartExecutionAsync(key, TrainingCommandLine.Arguments(job, options, warmStart), cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>Stage 2 on the training job: the state of one execution, by name.</summary>
public sealed class GetTrainingJobStatusActivity(IContainerJobClient jobs) : PipelineActivity<GetTrainingJobStatusActivity, string, TrainingJobState>
{
    /// <inheritdoc />
    [Function(nameof(GetTrainingJobStatusActivity))]
    public override Task<TrainingJobState> Run([ActivityTrigger] string input, CancellationToken cancellationToken) =>
        jobs.GetExecutionStateAsync(input, cancellationToken);
}

/// <summary>Stage 2 on the training job: where the run stands after an execution, from <c>models/{runId}/model.json</c>.</summary>
public sealed class ReadTrainingProgressActivity(TrainStage train) : PipelineActivity<ReadTrainingProgressActivity, TrainStageInput, TrainStageOutput>
{
    /// <inheritdoc />
    [Function(nameof(ReadTrainingProgressActivity))]
    public override Task<TrainStageOutput> Run([ActivityTrigger] TrainStageInput input, CancellationToken cancellationToken) =>
        train.ReadProgressAsync(input, cancellationToken);
}

/// <summary>Stage 3: the new model against popularity and the live model, and the quality gate's verdict.</summary>
public sealed class EvaluateActivity(EvaluateStage evaluate) : PipelineActivity<EvaluateActivity, EvaluateStageInput, EvaluateStageOutput>
{
    /// <inheritdoc />
    [Function(nameof(EvaluateActivity))]
    public override Task<EvaluateStageOutput> Run([ActivityTrigger] EvaluateStageInput input, CancellationToken cancellationToken) =>
        evaluate.RunAsync(input, cancellationToken);
}

/// <summary>Stage 4, once before the shards: the run's scoring bundle (item table, per-user rows by byte range).</summary>
public sealed class PrepareScoringActivity(ScoringStage scoring) : PipelineActivity<PrepareScoringActivity, PrepareScoringInput, PrepareScoringOutput>
{
    /// <inheritdoc />
    [Function(nameof(PrepareScoringActivity))]
    public override Task<PrepareScoringOutput> Run([ActivityTrigger] PrepareScoringInput input, CancellationToken cancellationToken) =>
        scoring.PrepareAsync(input, cancellationToken);
}

/// <summary>Stage 4: one shard of users' top-K lists, written under the run's version.</summary>
public sealed class ScoreShardActivity(ScoringStage scoring) : PipelineActivity<ScoreShardActivity, ScoreShardInput, ScoreShardOutput>
{
    /// <inheritdoc />
    [Function(nameof(ScoreShardActivity))]
    public override Task<ScoreShardOutput> Run([ActivityTrigger] ScoreShardInput input, CancellationToken cancellationToken) =>
        scoring.ScoreShardAsync(input, cancellationToken);
}

/// <summary>Stage 5: the fallback list, the switch of the active version, and the pruning of old versions.</summary>
public sealed class PublishActivity(PublishStage publish) : PipelineActivity<PublishActivity, PublishStageInput, PublishStageOutput>
{
    /// <inheritdoc />
    [Function(nameof(PublishActivity))]
    public override Task<PublishStageOutput> Run([ActivityTrigger] PublishStageInput input, CancellationToken cancellationToken) =>
        publish.RunAsync(input, cancellationToken);
}

/// <summary>True when the raw logs no longer match the fingerprint given (new data arrived during the run).</summary>
public sealed class InputChangedActivity(PreprocessStage preprocess) : PipelineActivity<InputChangedActivity, string, bool>
{
    /// <inheritdoc />
    [Function(nameof(InputChangedActivity))]
    public override Task<bool> Run([ActivityTrigger] string input, CancellationToken cancellationToken) =>
        preprocess.InputChangedAsync(input, cancellationToken);
}

/// <summary>Stores how a run ended (what <c>GET api/runs/{runId}</c> shows); returns the run id.</summary>
public sealed class RecordRunActivity(RunHistory history) : PipelineActivity<RecordRunActivity, RunRecord, string>
{
    /// <inheritdoc />
    [Function(nameof(RecordRunActivity))]
    public override async Task<string> Run([ActivityTrigger] RunRecord input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        await history.WriteAsync(input, cancellationToken).ConfigureAwait(false);
        return input.RunId;
    }
}
