using Recommender.Core.Datasets;

namespace Recommender.Core.Preprocessing;

/// <summary>
/// Summary of a preprocessing run: small enough to travel as an orchestration payload (counts and paths only).
/// </summary>
public sealed record PreprocessingResult
{
    /// <summary>The curated dataset's version.</summary>
    public required string DatasetVersion { get; init; }

    /// <summary>Folder of the dataset in the artifact store, e.g. <c>datasets/{version}/</c>.</summary>
    public required string DatasetPath { get; init; }

    /// <summary>Rows read from the logs that were used (rejected logs excluded).</summary>
    public required long RowsRead { get; init; }

    /// <summary>Rows dropped by each row rule, every rule listed.</summary>
    public required IReadOnlyDictionary<RowDropReason, long> RowsDropped { get; init; }

    /// <summary>Rows folded into another row of the same (user, item).</summary>
    public required long DuplicatesCombined { get; init; }

    /// <summary>What the k-core filter removed.</summary>
    public required KCoreRemovals KCore { get; init; }

    /// <summary>Users in the dataset.</summary>
    public required int Users { get; init; }

    /// <summary>Items in the dataset.</summary>
    public required int Items { get; init; }

    /// <summary>Interactions in the dataset (train and validation).</summary>
    public required int Interactions { get; init; }

    /// <summary>Interactions / (users × items).</summary>
    public required double Density { get; init; }

    /// <summary>Interactions in train.</summary>
    public required int TrainInteractions { get; init; }

    /// <summary>Interactions in validation.</summary>
    public required int ValidationInteractions { get; init; }

    /// <summary>Logs that were rejected, with the reason.</summary>
    public required IReadOnlyList<RejectedInteractionLog> RejectedLogs { get; init; }

    /// <summary>Logs that went into the dataset, with their rows read and kept.</summary>
    public IReadOnlyList<ManifestSource> Sources { get; init; } = [];

    /// <summary>Configured event weights whose event type no row had (a misspelt type, or logs without event types).</summary>
    public IReadOnlyList<string> EventWeightsUnmatched { get; init; } = [];

    /// <summary>Event types of the rows that have no configured weight (given the default weight, or dropped), when event weights are configured; at most <see cref="MaxEventTypesListed"/>.</summary>
    public IReadOnlyList<string> EventTypesUnweighted { get; init; } = [];

    /// <summary>Most event types <see cref="EventTypesUnweighted"/> lists.</summary>
    public const int MaxEventTypesListed = 20;
}

/// <summary>A log that could not be used; none of its rows are in the dataset, and the log itself is left as it is.</summary>
/// <param name="Source">File or blob name.</param>
/// <param name="ETag">Its ETag when known.</param>
/// <param name="Size">Its size in bytes when known.</param>
/// <param name="Field">The column at fault, when one is.</param>
/// <param name="Reason">Why it was rejected.</param>
public sealed record RejectedInteractionLog(string Source, string? ETag, long? Size, string? Field, string Reason)
{
    /// <summary>The log, the column at fault when there is one, and the reason, as one line.</summary>
    public string Describe() => Field is null ? $"{Source}: {Reason}" : $"{Source}: column '{Field}': {Reason}";
}

/// <summary>
/// Preprocessing has nothing to make a dataset from: every log was rejected, or every row was dropped.
/// The message lists the rejected logs and the drop counts.
/// </summary>
public sealed class NoUsableInteractionsException : Exception
{
    /// <summary>Creates the exception.</summary>
    public NoUsableInteractionsException(string message, IReadOnlyList<RejectedInteractionLog> rejectedLogs)
        : base(message)
    {
        RejectedLogs = rejectedLogs ?? [];
    }

    /// <summary>The logs that were rejected (possibly none, when all rows were dropped instead).</summary>
    public IReadOnlyList<RejectedInteractionLog> RejectedLogs { get; }
}
