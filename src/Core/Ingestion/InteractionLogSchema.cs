namespace Recommender.Core.Ingestion;

/// <summary>
/// How one interaction log was read: the physical column behind each role and how timestamps
/// were interpreted. Recorded in the dataset manifest so a run can be explained and repeated.
/// </summary>
public sealed record InteractionLogSchema
{
    /// <summary>The user id column.</summary>
    public required InteractionLogColumn User { get; init; }

    /// <summary>The item id column.</summary>
    public required InteractionLogColumn Item { get; init; }

    /// <summary>The rating or weight column, if the log has one.</summary>
    public InteractionLogColumn? Value { get; init; }

    /// <summary>The event type column, if the log has one.</summary>
    public InteractionLogColumn? EventType { get; init; }

    /// <summary>The event time column, if the log has one.</summary>
    public InteractionLogColumn? Timestamp { get; init; }

    /// <summary>
    /// For an integer timestamp column, the epoch unit its values were read in (never <see cref="TimestampUnit.Auto"/>);
    /// null when there is no timestamp or it is a Parquet TIMESTAMP, INT96 or DATE, which carry their own unit.
    /// </summary>
    public TimestampUnit? EpochUnit { get; init; }

    /// <summary>True when <see cref="EpochUnit"/> was detected from the values rather than configured.</summary>
    public bool EpochUnitDetected { get; init; }

    /// <summary>Columns named like a role but skipped (nested ones), each as "name (type): why".</summary>
    public IReadOnlyList<string> Skipped { get; init; } = [];
}

/// <summary>A physical column used for one role of an interaction log.</summary>
/// <param name="Name">The column name as written in the file.</param>
/// <param name="ParquetType">The Parquet type, e.g. <c>INT32</c>, <c>BYTE_ARRAY STRING</c>, <c>INT64 TIMESTAMP(MICROS)</c>.</param>
/// <param name="Detected">True when the column was found by its name, false when the mapping named it.</param>
public sealed record InteractionLogColumn(string Name, string ParquetType, bool Detected);
