using Microsoft.DurableTask;

namespace Recommender.Functions.Pipeline;

/// <summary>
/// The retry policy of each kind of activity call, by the risk a repeated call carries.
/// </summary>
/// <param name="Activity">
/// Calls that are idempotent: their outputs go to paths fixed per run, training resumes from its
/// checkpoint, lookup rows are upserts. A repeat costs time only.
/// </param>
/// <param name="JobStart">
/// Starting a training job execution, which is not idempotent by itself: a start whose answer was lost
/// may have been accepted. The activity looks for the execution it may have started (by its key) before
/// starting one, so the retry waits long enough for Azure to list an accepted execution, and tries fewer times.
/// </param>
public sealed record PipelineRetries(TaskOptions Activity, TaskOptions JobStart)
{
    /// <summary>What the deployed app uses.</summary>
    public static PipelineRetries Default { get; } = new(
        TaskOptions.FromRetryPolicy(new RetryPolicy(
            maxNumberOfAttempts: 4, firstRetryInterval: TimeSpan.FromSeconds(5), backoffCoefficient: 2.0, maxRetryInterval: TimeSpan.FromMinutes(2))),
        TaskOptions.FromRetryPolicy(new RetryPolicy(
            maxNumberOfAttempts: 3, firstRetryInterval: TimeSpan.FromSeconds(30), backoffCoefficient: 2.0, maxRetryInterval: TimeSpan.FromMinutes(2))));
}
