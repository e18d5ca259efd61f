using Microsoft.Extensions.Logging;

namespace Recommender.Core.Training;

/// <summary>Log messages of training.</summary>
internal static partial class TrainingLog
{
    [LoggerMessage(EventId = 1100, Level = LogLevel.Information, Message = "Training run {RunId}: {Kind} on {Device}, {Users} users, {Items} items, {Interactions} interactions, epochs {FirstEpoch}-{LastEpoch}")]
    public static partial void Started(ILogger logger, string runId, Models.ModelKind kind, string device, int users, int items, int interactions, int firstEpoch, int lastEpoch);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Warning, Message = "Training run {RunId}: no CUDA device is available, training on the CPU")]
    public static partial void FellBackToCpu(ILogger logger, string runId);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Information, Message = "Training run {RunId}: resuming after epoch {Epoch} from its checkpoint")]
    public static partial void Resumed(ILogger logger, string runId, int epoch);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Warning, Message = "Training run {RunId}: checkpoint of epoch {Epoch} is not usable, trying an older one")]
    public static partial void CheckpointRejected(ILogger logger, Exception exception, string runId, int epoch);

    [LoggerMessage(EventId = 1104, Level = LogLevel.Information, Message = "Training run {RunId}: epoch {Epoch}/{Epochs} loss {Loss:F5} {MetricName} {Metric} in {Seconds:F2} s")]
    public static partial void EpochFinished(ILogger logger, string runId, int epoch, int epochs, double loss, string metricName, double? metric, double seconds);

    [LoggerMessage(EventId = 1105, Level = LogLevel.Information, Message = "Training run {RunId}: stopped early after epoch {Epoch}; best epoch {BestEpoch}")]
    public static partial void StoppedEarly(ILogger logger, string runId, int epoch, int bestEpoch);

    [LoggerMessage(EventId = 1106, Level = LogLevel.Information, Message = "Training run {RunId}: warm start from run {SourceRunId} epoch {SourceEpoch}, {SharedUsers} shared users, {SharedItems} shared items")]
    public static partial void WarmStarted(ILogger logger, string runId, string sourceRunId, int sourceEpoch, int sharedUsers, int sharedItems);

    [LoggerMessage(EventId = 1107, Level = LogLevel.Information, Message = "Training run {RunId} has already finished ({Status}); returning its result")]
    public static partial void AlreadyFinished(ILogger logger, string runId, TrainingStatus status);

    [LoggerMessage(EventId = 1108, Level = LogLevel.Error, Message = "Training run {RunId} diverged at epoch {Epoch}, batch {Batch}")]
    public static partial void Diverged(ILogger logger, string runId, int epoch, int batch);
}
