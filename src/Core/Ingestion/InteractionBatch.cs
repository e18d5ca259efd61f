namespace Recommender.Core.Ingestion;

/// <summary>
/// One row group of an interaction log, decoded into typed columns. Ids keep the physical
/// type they had in the file (integers stay integers) so encoding them does not allocate a
/// string per row; nulls are kept and counted by preprocessing, never silently dropped here.
/// </summary>
public sealed class InteractionBatch
{
    /// <summary>The file (or blob) the rows came from, as shown in messages and the manifest.</summary>
    public required string Source { get; init; }

    /// <summary>Zero-based index of the first row of this batch within its file.</summary>
    public required long FirstRow { get; init; }

    /// <summary>Number of rows in the batch; every column has exactly this many entries.</summary>
    public required int Count { get; init; }

    /// <summary>Rows in the whole file, when known, so a consumer can make room for the file once.</summary>
    public long? RowsInLog { get; init; }

    /// <summary>The user id of every row.</summary>
    public required IdColumn Users { get; init; }

    /// <summary>The item id of every row.</summary>
    public required IdColumn Items { get; init; }

    /// <summary>Rating or weight per row (<see cref="float.NaN"/> where null); null when the log has no such column.</summary>
    public float[]? Values { get; init; }

    /// <summary>Event type per row (null entries where null); null when the log has no such column.</summary>
    public string?[]? EventTypes { get; init; }

    /// <summary>Event time per row as microseconds since the Unix epoch (<see cref="MissingTimestamp"/> where null); null when absent.</summary>
    public long[]? TimestampsMicros { get; init; }

    /// <summary>Marker for a null timestamp in <see cref="TimestampsMicros"/>.</summary>
    public const long MissingTimestamp = long.MinValue;
}

/// <summary>
/// A column of external ids: integers (<see cref="Numbers"/>, with <see cref="IsNull"/> marking nulls)
/// or strings (<see cref="Strings"/>, null entries are nulls). Exactly one of the two arrays is set.
/// </summary>
public sealed class IdColumn
{
    private IdColumn(long[]? numbers, bool[]? isNull, string?[]? strings, ExternalIdType type)
    {
        Numbers = numbers;
        IsNull = isNull;
        Strings = strings;
        Type = type;
    }

    /// <summary>The type the ids have in the log (integers travel as <see cref="Numbers"/> whatever their width).</summary>
    public ExternalIdType Type { get; }

    /// <summary>Integer ids (int32 or int64 in the file); null when the column holds strings.</summary>
    public long[]? Numbers { get; }

    /// <summary>For integer ids, which rows were null; null when no row was.</summary>
    public bool[]? IsNull { get; }

    /// <summary>String ids; null when the column holds integers.</summary>
    public string?[]? Strings { get; }

    /// <summary>Number of rows.</summary>
    public int Length => Numbers?.Length ?? Strings!.Length;

    /// <summary>True when row <paramref name="row"/> has no id.</summary>
    public bool IsMissing(int row) => Strings is not null ? Strings[row] is null : IsNull is not null && IsNull[row];

    /// <summary>The id of a row as text, the form used in vocabularies and outputs.</summary>
    public string? TextAt(int row) =>
        Strings is not null ? Strings[row] : IsMissing(row) ? null : Numbers![row].ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A column of integer ids, of <paramref name="type"/> (<see cref="ExternalIdType.Int32"/> or <see cref="ExternalIdType.Int64"/>) in the log.</summary>
    public static IdColumn FromNumbers(long[] numbers, bool[]? isNull = null, ExternalIdType type = ExternalIdType.Int64)
    {
        if (type is not (ExternalIdType.Int32 or ExternalIdType.Int64))
        {
            throw new ArgumentOutOfRangeException(nameof(type), type, "Integer ids are Int32 or Int64.");
        }

        return new(numbers, isNull, null, type);
    }

    /// <summary>A column of string ids.</summary>
    public static IdColumn FromStrings(string?[] strings) => new(null, null, strings, ExternalIdType.String);
}
