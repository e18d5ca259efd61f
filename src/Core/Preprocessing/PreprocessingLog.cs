using Microsoft.Extensions.Logging;

namespace Recommender.Core.Preprocessing;

/// <summary>Source-generated log messages of preprocessing.</summary>
internal static partial class PreprocessingLog
{
    [LoggerMessage(EventId = 1100, Level = LogLevel.Information, Message = "Read interaction log {Source}: {RowsRead} rows, {RowsKept} kept")]
    public static partial void LogRead(ILogger logger, string source, long rowsRead, long rowsKept);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Warning, Message = "Rejected interaction log {Source} (field {Field}): {Reason}; its rows are left out")]
    public static partial void LogRejected(ILogger logger, string source, string? field, string reason);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Information,
        Message = "Curated dataset {Version}: {Users} users, {Items} items, {Interactions} interactions ({Train} train, {Validation} validation)")]
    public static partial void LogCurated(ILogger logger, string version, int users, int items, int interactions, int train, int validation);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Information, Message = "Wrote curated dataset {Version} to {Path}")]
    public static partial void LogWritten(ILogger logger, string version, string path);
}
