using Recommender.Core.Training;

namespace Recommender.Core.Pipeline;

// Payloads that travel between the orchestration and its activities. They carry references
// (run id, dataset version) and small summaries only, never data: Durable payloads are stored
// in history and spill to blobs past a few tens of kilobytes.

/// <summary>Input of a pipeline run.</summary>
/// <param name="RunId">Id of the run: the model version it publishes and the folder of its artifacts.</param>
/// <param name="Trigger">What started it: http, blob, timer, follow-up.</param>
/// <param name="Settings">Pipeline settings resolved when the run was requested (deterministic for replays).</param>
/// <param name="Overrides">Training options that differ from the app's configuration for this run.</param>
/// <param name="FollowUpOf">Run id this run follows, when it was started because new data arrived during that run.</param>
public sealed record PipelineRunRequest(string RunId, string Trigger, PipelineRunSettings Settings, TrainingOverrides? Overrides = null, string? FollowUpOf = null)
{
    /// <summary>
    /// End the run after preprocessing when its dataset is the one the live version was trained on (an upload
    /// that was rejected, a log rewritten with the same rows): what the upload trigger and the nightly timer ask
    /// for. A run asked for by a person retrains whatever the data.
    /// </summary>
    public bool SkipWhenDatasetUnchanged { get; init; }
}

/// <summary>The pipeline settings a run uses, copied from <see cref="PipelineOptions"/> when it starts.</summary>
public sealed record PipelineRunSettings(int TopK, int EvaluationK, int ShardSize, int MaxParallelShards, int KeepVersions, double MinNdcgVersusPopularity, double MaxRegressionVersusLive, int EpochsPerActivity)
{
    /// <summary>Copies the settings from options.</summary>
    public static PipelineRunSettings From(PipelineOptions options, int epochsPerActivity = 5)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new(options.TopK, options.EvaluationK, options.ShardSize, options.MaxParallelShards, options.KeepVersions, options.MinNdcgVersusPopularity, options.MaxRegressionVersusLive, epochsPerActivity)
        {
            MaxParallelCandidates = options.MaxParallelCandidates,
        };
    }

    /// <summary>Candidates of the automatic choice trained at once (<see cref="PipelineOptions.MaxParallelCandidates"/>).</summary>
    public int MaxParallelCandidates { get; init; } = 3;

    /// <summary>When set, training runs as executions of the training job, polled on this schedule; null: the training activity trains.</summary>
    public TrainingJobSchedule? TrainingJob { get; init; }
}

/// <summary>How the pipeline waits for training job executions.</summary>
/// <param name="PollInterval">Time between two status checks (a durable timer).</param>
/// <param name="Timeout">Longest one execution may run.</param>
/// <param name="MaxExecutions">Executions started before a run whose executions keep failing fails; each one resumes from the checkpoints.</param>
public sealed record TrainingJobSchedule(TimeSpan PollInterval, TimeSpan Timeout, int MaxExecutions = 3);

/// <summary>Training options a caller may override for one run; null fields keep the configured value.</summary>
public sealed record TrainingOverrides
{
    /// <summary>Model kind: mf, bpr or softmax.</summary>
    public string? Kind { get; init; }

    /// <summary>Embedding dimension.</summary>
    public int? Dimension { get; init; }

    /// <summary>Maximum epochs.</summary>
    public int? Epochs { get; init; }

    /// <summary>Learning rate.</summary>
    public double? LearningRate { get; init; }

    /// <summary>Seed of training.</summary>
    public int? Seed { get; init; }
}

/// <summary>Stage 1 input.</summary>
public sealed record PreprocessStageInput(string RunId);

/// <summary>Stage 1 output: the dataset version and what went into it.</summary>
/// <param name="DatasetVersion">The curated dataset: a hash of the logs that went in and of the options.</param>
/// <param name="Users">Users in the dataset.</param>
/// <param name="Items">Items in the dataset.</param>
/// <param name="Interactions">Interactions in the dataset.</param>
/// <param name="TrainInteractions">Interactions to train on.</param>
/// <param name="ValidationInteractions">Interactions held out.</param>
/// <param name="Summary">Each log read or rejected, rows dropped by reason.</param>
/// <param name="InputFingerprint">Fingerprint of every raw log, rejected ones included.</param>
/// <param name="LiveRunOnSameDataset">The live version, when it was trained on this very dataset; else null.</param>
public sealed record PreprocessStageOutput(
    string DatasetVersion,
    int Users,
    int Items,
    int Interactions,
    int TrainInteractions,
    int ValidationInteractions,
    PreprocessingSummary Summary,
    string InputFingerprint,
    string? LiveRunOnSameDataset = null);

/// <summary>Stage 2 input: train (or continue training) a run on a dataset.</summary>
public sealed record TrainStageInput(string RunId, string DatasetVersion, int EvaluationK, TrainingOverrides? Overrides, string? WarmStartRunId, int MaxEpochsThisCall)
{
    /// <summary>
    /// When set, this call trains (or continues) the refit of that finished run: <see cref="RunId"/> is the
    /// refit's run id, trained on train + validation for the source run's best epoch count, without
    /// validation or warm start (see <see cref="Training.ModelRefit"/>).
    /// </summary>
    public string? RefitOf { get; init; }

    /// <summary>
    /// When set, this call trains (or continues) that candidate of the run's automatic choice, as the run
    /// <c>{RunId}.{Candidate}</c> (see <see cref="TrainStage.PlanCandidatesAsync"/>).
    /// </summary>
    public string? Candidate { get; init; }
}

/// <summary>The automatic choice's candidates of a run, when it makes one.</summary>
/// <param name="Candidates">Candidate names in the order the choice prefers them; empty when the run trains one model.</param>
/// <param name="TimeBudget">Once the candidates trained so far have taken this long, the others are skipped.</param>
public sealed record CandidatePlan(IReadOnlyList<string> Candidates, TimeSpan TimeBudget);

/// <summary>The choice among a run's trained candidates.</summary>
/// <param name="Training">The run's training input.</param>
/// <param name="Skipped">Candidates not trained (the time budget was spent).</param>
public sealed record ChooseModelInput(TrainStageInput Training, IReadOnlyList<string> Skipped);

/// <summary>Stage 2 on the training job: start execution number <paramref name="Execution"/> (from 1) of a training call.</summary>
/// <param name="Training">What the execution trains.</param>
/// <param name="Execution">Which execution of this call it is: a failed one is started again under the next number.</param>
public sealed record TrainingJobStart(TrainStageInput Training, int Execution)
{
    /// <summary>
    /// The key the execution carries: a start retried after its answer was lost finds the execution it
    /// started under this key instead of starting a second one into the same checkpoints.
    /// </summary>
    public string Key() => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Training.RunId}/{Execution}");
}

/// <summary>Stage 2 output, after one call of the training activity.</summary>
/// <param name="RunId">The run.</param>
/// <param name="EpochsDone">Epochs trained so far.</param>
/// <param name="MaxEpochs">Epochs planned.</param>
/// <param name="Finished">True once training ended (all epochs, or stopped early).</param>
/// <param name="BestEpoch">Best epoch so far.</param>
/// <param name="Metric">The validation metric's name; empty for a run without validation (a refit).</param>
/// <param name="BestValue">The metric at the best epoch; null without validation (payloads cannot carry NaN).</param>
/// <param name="Device">Where it trained.</param>
/// <param name="Seconds">Wall time of the call.</param>
public sealed record TrainStageOutput(string RunId, int EpochsDone, int MaxEpochs, bool Finished, int BestEpoch, string Metric, double? BestValue, string Device, double Seconds)
{
    /// <summary>The automatic model choice's candidates and their validation figures, once it has chosen.</summary>
    public IReadOnlyList<LeaderboardEntry>? Leaderboard { get; init; }

    /// <summary>The epoch of the checkpoint this call resumed from (0: it started the run).</summary>
    public int ResumedFromEpoch { get; init; }

    /// <summary>
    /// The output of a training call that ended with <paramref name="result"/>, reported under <paramref name="runId"/>:
    /// finished unless the run is still running; <paramref name="metric"/> names the metric when the run recorded none.
    /// </summary>
    internal static TrainStageOutput Of(string runId, TrainingResult result, int maxEpochs, string metric, double seconds) =>
        new(runId, result.Epochs.Count, maxEpochs, result.Status is not TrainingStatus.Running, result.BestEpoch, result.MetricName ?? metric, result.BestMetric, result.Device, seconds);
}

/// <summary>Stage 3 input.</summary>
public sealed record EvaluateStageInput(string RunId, string DatasetVersion, string? LiveRunId, PipelineRunSettings Settings);

/// <summary>Stage 3 output: metrics of the new model, the popularity baseline and the live model, and the gate's verdict.</summary>
/// <param name="Model">Metrics of the run's model, trained on train only, on validation.</param>
/// <param name="Popularity">Metrics of the popularity baseline.</param>
/// <param name="Live">Metrics of the live model, or null.</param>
/// <param name="Passed">The quality gate's verdict.</param>
/// <param name="Reason">Why.</param>
/// <param name="Refit">
/// When the gate passed and refitting is on: the refit to train and publish instead of the model these
/// metrics describe. Null: the run's model itself is published (or nothing is).
/// </param>
public sealed record EvaluateStageOutput(IReadOnlyDictionary<string, double> Model, IReadOnlyDictionary<string, double> Popularity, IReadOnlyDictionary<string, double>? Live, bool Passed, string Reason, Training.RefitPlan? Refit = null)
{
    /// <summary>Why the live model was not compared (it knows too few of these users or items), or null.</summary>
    public string? LiveNotCompared { get; init; }
}

/// <summary>Stage 4, once per run before the shards: write the run's scoring bundle.</summary>
/// <param name="RunId">The run (the version the lists are published under, and where the bundle goes).</param>
/// <param name="DatasetVersion">Its dataset.</param>
/// <param name="ModelRunId">The trained run whose factors are scored: the run's refit, or null for the run itself.</param>
public sealed record PrepareScoringInput(string RunId, string DatasetVersion, string? ModelRunId = null);

/// <summary>What the scoring bundle holds: the shards read their users' rows of it by byte range.</summary>
public sealed record PrepareScoringOutput(int Users, int Items, int Dimension, long Bytes);

/// <summary>Stage 4 input: one shard of users [FirstUser, EndUser).</summary>
public sealed record ScoreShardInput(string RunId, string DatasetVersion, int FirstUser, int EndUser, int K);

/// <summary>Stage 4 output of one shard.</summary>
public sealed record ScoreShardOutput(int FirstUser, int EndUser, int ListsWritten);

/// <summary>Stage 5 input.</summary>
public sealed record PublishStageInput(string RunId, string DatasetVersion, string InputFingerprint, int TopK, int KeepVersions);

/// <summary>Stage 5 output.</summary>
public sealed record PublishStageOutput(string Version, string? Previous, IReadOnlyList<string> DeletedVersions);

/// <summary>How a run ended.</summary>
public sealed record PipelineOutcome(string RunId, string Result, string? DatasetVersion, EvaluateStageOutput? Evaluation, PublishStageOutput? Publish)
{
    /// <summary>The automatic model choice's leaderboard, when the run chose its model kind.</summary>
    public IReadOnlyList<LeaderboardEntry>? Leaderboard { get; init; }
}

/// <summary>What the orchestration shows as its custom status while it runs.</summary>
/// <param name="RunId">The run.</param>
/// <param name="Stage">preprocess, train, evaluate, score, publish, done, failed, rejected, unchanged.</param>
/// <param name="Detail">A short human-readable line.</param>
public sealed record PipelineProgress(string RunId, string Stage, string? Detail = null)
{
    /// <summary>Epochs trained so far.</summary>
    public int? Epoch { get; init; }

    /// <summary>Epochs planned.</summary>
    public int? Epochs { get; init; }

    /// <summary>Scoring shards finished.</summary>
    public int? ShardsDone { get; init; }

    /// <summary>Scoring shards in all.</summary>
    public int? Shards { get; init; }

    /// <summary>Metrics known so far (validation while training, evaluation after).</summary>
    public IReadOnlyDictionary<string, double>? Metrics { get; init; }

    /// <summary>Stage that failed, when the run failed.</summary>
    public string? FailedStage { get; init; }

    /// <summary>Why it failed.</summary>
    public string? Error { get; init; }
}
