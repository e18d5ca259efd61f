using System.Text.Json;
using Recommender.Core.Preprocessing;

namespace Recommender.Core.Pipeline;

/// <summary>
/// What preprocessing made of a run's input, as the run record and <c>GET /api/runs/{runId}</c> show it:
/// each log read or rejected (with the reason the CLI prints), rows dropped by reason, users and items.
/// Small enough to travel as an orchestration payload: past <see cref="MaxFilesListed"/> logs, the rejected
/// ones are listed first and the rest only counted.
/// </summary>
public sealed record PreprocessingSummary
{
    /// <summary>Most logs listed one by one.</summary>
    public const int MaxFilesListed = 200;

    /// <summary>The logs, rejected ones first.</summary>
    public required IReadOnlyList<InputLogSummary> Files { get; init; }

    /// <summary>Logs read but not listed in <see cref="Files"/> (beyond <see cref="MaxFilesListed"/>).</summary>
    public int FilesNotListed { get; init; }

    /// <summary>Logs rejected whole.</summary>
    public required int FilesRejected { get; init; }

    /// <summary>Rows read from the logs that were used.</summary>
    public required long RowsRead { get; init; }

    /// <summary>Rows dropped by each row rule that dropped any (camelCase rule name to count).</summary>
    public required IReadOnlyDictionary<string, long> RowsDropped { get; init; }

    /// <summary>Rows folded into another row of the same user and item.</summary>
    public required long DuplicatesCombined { get; init; }

    /// <summary>Rows the k-core filter removed.</summary>
    public required long KCoreRowsRemoved { get; init; }

    /// <summary>Users in the dataset.</summary>
    public required int Users { get; init; }

    /// <summary>Items in the dataset.</summary>
    public required int Items { get; init; }

    /// <summary>Interactions in the dataset.</summary>
    public required int Interactions { get; init; }

    /// <summary>Configured event weights whose event type no row had (a misspelt type, or logs without event types).</summary>
    public IReadOnlyList<string> EventWeightsUnmatched { get; init; } = [];

    /// <summary>Event types of the rows without a configured weight, when weights are configured (at most <see cref="PreprocessingResult.MaxEventTypesListed"/>).</summary>
    public IReadOnlyList<string> EventTypesUnweighted { get; init; } = [];

    /// <summary>Summarizes a preprocessing result.</summary>
    public static PreprocessingSummary From(PreprocessingResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        List<InputLogSummary> files =
        [
            .. result.RejectedLogs.Select(InputLogSummary.Rejected),
            .. result.Sources.Select(source => new InputLogSummary(source.Source, InputLogSummary.ReadStatus, source.RowsRead, source.RowsKept, null)),
        ];
        return new PreprocessingSummary
        {
            Files = [.. files.Take(MaxFilesListed)],
            FilesNotListed = Math.Max(0, files.Count - MaxFilesListed),
            FilesRejected = result.RejectedLogs.Count,
            RowsRead = result.RowsRead,
            RowsDropped = result.RowsDropped
                .Where(pair => pair.Value > 0)
                .ToDictionary(pair => JsonNamingPolicy.CamelCase.ConvertName(pair.Key.ToString()), pair => pair.Value, StringComparer.Ordinal),
            DuplicatesCombined = result.DuplicatesCombined,
            KCoreRowsRemoved = result.KCore.Rows,
            Users = result.Users,
            Items = result.Items,
            Interactions = result.Interactions,
            EventWeightsUnmatched = result.EventWeightsUnmatched,
            EventTypesUnweighted = result.EventTypesUnweighted,
        };
    }
}

/// <summary>One input log of a run.</summary>
/// <param name="Source">File or blob name.</param>
/// <param name="Status"><see cref="ReadStatus"/> or <see cref="RejectedStatus"/>.</param>
/// <param name="RowsRead">Rows in the log, when it was read.</param>
/// <param name="RowsKept">Rows that passed the row rules, when it was read.</param>
/// <param name="Reason">Why it was rejected: the log, the column at fault and the cause, as the CLI prints it.</param>
public sealed record InputLogSummary(string Source, string Status, long? RowsRead, long? RowsKept, string? Reason)
{
    /// <summary>The log went into the dataset.</summary>
    public const string ReadStatus = "read";

    /// <summary>The log was rejected whole and left as it is.</summary>
    public const string RejectedStatus = "rejected";

    /// <summary>A rejected log.</summary>
    public static InputLogSummary Rejected(RejectedInteractionLog log)
    {
        ArgumentNullException.ThrowIfNull(log);
        return new(log.Source, RejectedStatus, null, null, log.Describe());
    }
}
