namespace Recommender.Core.Training;

/// <summary>State of a training run as recorded in <c>model.json</c>.</summary>
public enum TrainingStatus
{
    /// <summary>Training is going on, or stopped without finishing (it resumes from its checkpoints).</summary>
    Running = 0,

    /// <summary>All configured epochs ran.</summary>
    Completed = 1,

    /// <summary>Training stopped early because the validation metric stopped improving.</summary>
    EarlyStopped = 2,

    /// <summary>The loss became NaN or infinite.</summary>
    Diverged = 3,
}
