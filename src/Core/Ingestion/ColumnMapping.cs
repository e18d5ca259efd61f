namespace Recommender.Core.Ingestion;

/// <summary>
/// Which columns of an interaction log hold the user, item, value, event type and timestamp.
/// A null column name means "detect it from the column names" (see <see cref="InteractionLogReader"/>);
/// for the optional roles an empty string means "this log has no such column, do not look for one".
/// An explicitly named column always wins over detection and must exist.
/// </summary>
public sealed record ColumnMapping
{
    /// <summary>Configuration section name (<c>Recommender__Columns__UserColumn</c>, …, in the Functions app's settings).</summary>
    public const string SectionName = "Recommender:Columns";

    /// <summary>Detects every column from its name.</summary>
    public static ColumnMapping AutoDetect { get; } = new();

    /// <summary>The user id column (string or integer); null to detect it.</summary>
    public string? UserColumn { get; init; }

    /// <summary>The item id column (string or integer); null to detect it.</summary>
    public string? ItemColumn { get; init; }

    /// <summary>The rating or weight column (any number); null to detect it, empty for none.</summary>
    public string? ValueColumn { get; init; }

    /// <summary>The event type column (e.g. view, click, purchase); null to detect it, empty for none.</summary>
    public string? EventTypeColumn { get; init; }

    /// <summary>The event time column (epoch integer, TIMESTAMP, INT96 or DATE); null to detect it, empty for none.</summary>
    public string? TimestampColumn { get; init; }

    /// <summary>What an integer timestamp counts since the Unix epoch; <see cref="TimestampUnit.Auto"/> decides from the magnitude of the values.</summary>
    public TimestampUnit TimestampUnit { get; init; } = TimestampUnit.Auto;
}

/// <summary>The unit of an integer (epoch) timestamp column.</summary>
public enum TimestampUnit
{
    /// <summary>Decided per file from the magnitude of its values.</summary>
    Auto = 0,

    /// <summary>Seconds since 1970-01-01T00:00Z (Unix time, e.g. MovieLens).</summary>
    Seconds,

    /// <summary>Milliseconds since the epoch (JavaScript, Java).</summary>
    Milliseconds,

    /// <summary>Microseconds since the epoch.</summary>
    Microseconds,

    /// <summary>Nanoseconds since the epoch (pandas datetime64 cast to int64).</summary>
    Nanoseconds,
}
