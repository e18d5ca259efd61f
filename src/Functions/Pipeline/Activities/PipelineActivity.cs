using System.Diagnostics.CodeAnalysis;
using Microsoft.DurableTask;

namespace Recommender.Functions.Pipeline.Activities;

/// <summary>
/// An activity of the training pipeline, with its contract stated once: the orchestration calls it
/// through <see cref="CallAsync"/> (name, input and output type come from here), and the Functions
/// host runs its <see cref="Run"/>, which each activity overrides with its trigger attributes.
/// </summary>
/// <typeparam name="TActivity">The activity itself; its class name is the function's name.</typeparam>
/// <typeparam name="TInput">What the orchestration passes in.</typeparam>
/// <typeparam name="TOutput">What the activity returns to the orchestration.</typeparam>
public abstract class PipelineActivity<TActivity, TInput, TOutput>
    where TActivity : PipelineActivity<TActivity, TInput, TOutput>
{
    /// <summary>The function name the activity is registered and called under.</summary>
    [SuppressMessage("Design", "CA1000", Justification = "Read as PreprocessActivity.Name: the type argument is the activity itself.")]
    public static string Name { get; } = typeof(TActivity).Name;

    /// <summary>Calls the activity from an orchestration, retried by <paramref name="retry"/>.</summary>
    [SuppressMessage("Design", "CA1000", Justification = "Called as PreprocessActivity.CallAsync(...): the type argument is the activity itself.")]
    public static Task<TOutput> CallAsync(TaskOrchestrationContext context, TInput input, TaskOptions retry)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.CallActivityAsync<TOutput>(Name, input, retry);
    }

    /// <summary>The activity's work, run by the Functions host (or a test host) for one call.</summary>
    public abstract Task<TOutput> Run(TInput input, CancellationToken cancellationToken);
}
