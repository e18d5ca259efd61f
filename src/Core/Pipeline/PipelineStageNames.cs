namespace Recommender.Core.Pipeline;

/// <summary>
/// The stages of a pipeline run, in the order both hosts run them (the Durable orchestration and the
/// CLI's <see cref="SequentialPipeline"/>): <see cref="Preprocess"/> → <see cref="Train"/> →
/// <see cref="Evaluate"/> (the quality gate) → <see cref="Refit"/> (when the gate passed and refitting is
/// on) → <see cref="Score"/> → <see cref="Publish"/>. These names appear in progress, run records and
/// <see cref="PipelineFailedException.Stage"/>; the last four constants name how a run ended.
/// </summary>
public static class PipelineStageNames
{
    /// <summary>Reading and cleaning the logs into a curated dataset.</summary>
    public const string Preprocess = "preprocess";

    /// <summary>Training the model (or choosing among candidates) on the training part, with validation.</summary>
    public const string Train = "train";

    /// <summary>Measuring the model against popularity and the live model, then the quality gate.</summary>
    public const string Evaluate = "evaluate";

    /// <summary>Training the gated model again on train + validation: the model that is published.</summary>
    public const string Refit = "refit";

    /// <summary>Writing every user's top-K list under the run's version.</summary>
    public const string Score = "score";

    /// <summary>Making the run's version the one the API serves.</summary>
    public const string Publish = "publish";

    /// <summary>Ended: the run published.</summary>
    public const string Done = "done";

    /// <summary>Ended: the quality gate kept the live version.</summary>
    public const string Rejected = "rejected";

    /// <summary>Ended: a stage failed; the live version stays live.</summary>
    public const string Failed = "failed";

    /// <summary>Ended: the input made the live version's dataset again, so there was nothing to train.</summary>
    public const string Unchanged = "unchanged";
}

/// <summary>A stage of a pipeline run failed (in either host); the live version stays live.</summary>
public sealed class PipelineFailedException : Exception
{
    /// <summary>Creates the exception; the message names the run, the stage and <paramref name="reason"/>.</summary>
    public PipelineFailedException(string runId, string stage, string reason, Exception inner)
        : base($"Run '{runId}' failed in stage '{stage}': {reason}", inner)
    {
        RunId = runId;
        Stage = stage;
    }

    /// <summary>Creates the exception with <paramref name="inner"/>'s message as the reason.</summary>
    public PipelineFailedException(string runId, string stage, Exception inner)
        : this(runId, stage, inner?.Message ?? "unknown error", inner!)
    {
    }

    /// <summary>The run.</summary>
    public string RunId { get; }

    /// <summary>The stage that failed, one of <see cref="PipelineStageNames"/>.</summary>
    public string Stage { get; }
}
