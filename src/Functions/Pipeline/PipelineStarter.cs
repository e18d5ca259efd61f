using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Recommender.Core.Pipeline;
using Recommender.Core.TrainingHosts;

namespace Recommender.Functions.Pipeline;

/// <summary>How a request to start the pipeline ended.</summary>
public enum StartOutcome
{
    /// <summary>A new run was scheduled.</summary>
    Started,

    /// <summary>A run is already going; it picks new data up with one follow-up run.</summary>
    AlreadyRunning,

    /// <summary>Nothing changed in the input since the last published run.</summary>
    NothingNew,
}

/// <summary>The answer of <see cref="PipelineStarter.StartAsync"/>.</summary>
public sealed record StartResult(StartOutcome Outcome, string? RunId);

/// <summary>
/// Starts the training pipeline, one run at a time: the orchestration always has the same
/// instance id, so a second start while one is running is refused by the engine itself, and
/// uploads during a run are picked up by the follow-up run the orchestration schedules.
/// </summary>
public sealed partial class PipelineStarter(
    IOptions<PipelineOptions> options,
    IOptions<TrainingHostOptions> trainingHost,
    IInteractionLogSource logs,
    RunHistory history,
    ILogger<PipelineStarter> logger)
{
    /// <summary>Instance id of the pipeline orchestration (one pipeline, one instance).</summary>
    public const string InstanceId = "recommender-training-pipeline";

    /// <summary>
    /// Starts a run unless one is going or, with <paramref name="onlyIfInputChanged"/>, nothing changed; such a run
    /// (a trigger's) also ends after preprocessing when its dataset is the live version's.
    /// </summary>
    public async Task<StartResult> StartAsync(DurableTaskClient client, string trigger, TrainingOverrides? overrides, bool onlyIfInputChanged, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        if (await GetRunningAsync(client, cancellationToken).ConfigureAwait(false) is { } running)
        {
            LogAlreadyRunning(logger, trigger, running);
            return new StartResult(StartOutcome.AlreadyRunning, running);
        }

        if (onlyIfInputChanged)
        {
            string fingerprint = await logs.FingerprintAsync(cancellationToken).ConfigureAwait(false);
            RunRecord? last = await history.GetLastSettledAsync(cancellationToken).ConfigureAwait(false);
            if (last?.InputFingerprint == fingerprint)
            {
                LogNothingNew(logger, trigger, last.RunId, last.Result);
                return new StartResult(StartOutcome.NothingNew, last.RunId);
            }
        }

        string runId = PipelinePaths.NewRunId(DateTimeOffset.UtcNow, Guid.NewGuid().ToString("N")[..6]);
        var request = new PipelineRunRequest(runId, trigger, SettingsOf(options.Value, trainingHost.Value), overrides)
        {
            SkipWhenDatasetUnchanged = onlyIfInputChanged,
        };
        try
        {
            await client.ScheduleNewOrchestrationInstanceAsync(
                TrainingPipelineOrchestrator.Name,
                request,
                new StartOrchestrationOptions(InstanceId) { DedupeStatuses = DedupeWhileActive },
                cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidOperationException or Grpc.Core.RpcException)
        {
            // Another caller won the race between our check and the schedule.
            if (await GetRunningAsync(client, cancellationToken).ConfigureAwait(false) is { } winner)
            {
                return new StartResult(StartOutcome.AlreadyRunning, winner);
            }

            throw;
        }

        LogStarted(logger, runId, trigger);
        return new StartResult(StartOutcome.Started, runId);
    }

    /// <summary>The run id of the run in progress, or null when none is.</summary>
    public static async Task<string?> GetRunningAsync(DurableTaskClient client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        OrchestrationMetadata? instance = await client.GetInstanceAsync(InstanceId, getInputsAndOutputs: true, cancellationToken).ConfigureAwait(false);
        if (instance is null || !IsActive(instance.RuntimeStatus))
        {
            return null;
        }

        return RunIdOf(instance);
    }

    /// <summary>
    /// The run id of <paramref name="instance"/> (read with its inputs), from its input: known from the moment the run
    /// is scheduled, where its progress appears only with the orchestrator's first step, and after a continue-as-new
    /// already the follow-up's, where the progress still shows the run before until the follow-up reports.
    /// </summary>
    public static string RunIdOf(OrchestrationMetadata instance)
    {
        ArgumentNullException.ThrowIfNull(instance);
        return instance.ReadInputAs<PipelineRunRequest>()?.RunId ?? instance.ReadCustomStatusAs<PipelineProgress>()?.RunId ?? "starting";
    }

    /// <summary>True for statuses of a run that has not ended.</summary>
    public static bool IsActive(OrchestrationRuntimeStatus status) =>
        status is OrchestrationRuntimeStatus.Running or OrchestrationRuntimeStatus.Pending or OrchestrationRuntimeStatus.Suspended;

    /// <summary>The settings a run is started with; a ContainerJob host makes the orchestration start and poll job executions.</summary>
    public static PipelineRunSettings SettingsOf(PipelineOptions pipeline, TrainingHostOptions trainingHost)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        ArgumentNullException.ThrowIfNull(trainingHost);
        PipelineRunSettings settings = PipelineRunSettings.From(pipeline);
        return trainingHost.Kind is TrainingHostKind.ContainerJob
            ? settings with { TrainingJob = new TrainingJobSchedule(trainingHost.ContainerJob.PollInterval, trainingHost.ContainerJob.Timeout) }
            : settings;
    }

    private static readonly string[] DedupeWhileActive =
        [nameof(OrchestrationRuntimeStatus.Running), nameof(OrchestrationRuntimeStatus.Pending), nameof(OrchestrationRuntimeStatus.Suspended)];

    [LoggerMessage(Level = LogLevel.Information, Message = "Pipeline start from {Trigger} skipped: run {RunId} is in progress and will pick new data up")]
    private static partial void LogAlreadyRunning(ILogger logger, string trigger, string runId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Pipeline start from {Trigger} skipped: input unchanged since run {RunId}, which ended {Result} (POST /api/runs trains it anyway)")]
    private static partial void LogNothingNew(ILogger logger, string trigger, string runId, string result);

    [LoggerMessage(Level = LogLevel.Information, Message = "Pipeline run {RunId} scheduled by {Trigger}")]
    private static partial void LogStarted(ILogger logger, string runId, string trigger);
}
