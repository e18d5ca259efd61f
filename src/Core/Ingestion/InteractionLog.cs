using System.Runtime.CompilerServices;
using Parquet;
using Parquet.Schema;

namespace Recommender.Core.Ingestion;

/// <summary>
/// An open interaction log whose columns have been resolved: read its row groups one at a time,
/// so memory is bounded by the largest row group, not by the file. Not thread-safe; read one
/// row group at a time. Obtained from <see cref="InteractionLogReader.OpenAsync(Stream, string, ColumnMapping, CancellationToken)"/>.
/// </summary>
public sealed class InteractionLog : IAsyncDisposable
{
    private readonly ParquetReader _reader;
    private readonly Stream? _ownedStream;
    private readonly ResolvedColumns _columns;
    private readonly TimestampUnit _epochUnit;
    private readonly long[] _firstRows;
    private readonly BatchArrays _arrays = new();
    private readonly ColumnDecoder _decoder;
    private bool _disposed;

    internal InteractionLog(
        ParquetReader reader, Stream stream, bool ownsStream, string source, ResolvedColumns columns, InteractionLogSchema schema, TimestampUnit epochUnit)
    {
        _reader = reader;
        _ownedStream = ownsStream ? stream : null;
        _decoder = new ColumnDecoder(new ColumnChunkReader(stream, _arrays, reader.Metadata), _arrays);
        _columns = columns;
        _epochUnit = epochUnit;
        Source = source;
        Schema = schema;

        _firstRows = new long[reader.RowGroupCount];
        long rows = 0;
        for (int i = 0; i < reader.RowGroupCount; i++)
        {
            _firstRows[i] = rows;
            rows += reader.RowGroups[i].RowCount;
        }

        RowCount = rows;
    }

    /// <summary>The file or blob being read, as it appears in batches and messages.</summary>
    public string Source { get; }

    /// <summary>The columns used for each role and how timestamps are read.</summary>
    public InteractionLogSchema Schema { get; }

    /// <summary>Rows in the whole file, from its footer.</summary>
    public long RowCount { get; }

    /// <summary>Row groups in the file; each becomes at most one batch.</summary>
    public int RowGroupCount => _firstRows.Length;

    /// <summary>Yields one batch per non-empty row group, in file order.</summary>
    public IAsyncEnumerable<InteractionBatch> ReadBatchesAsync(CancellationToken cancellationToken = default) =>
        ReadBatchesAsync(reuseArrays: false, cancellationToken);

    /// <summary>
    /// Yields one batch per non-empty row group, in file order. With <paramref name="reuseArrays"/>, a batch's arrays
    /// are overwritten by the next batch, for a consumer that is done with each batch before it asks for the next:
    /// reading then allocates one set of column arrays per file instead of one per row group.
    /// </summary>
    internal async IAsyncEnumerable<InteractionBatch> ReadBatchesAsync(bool reuseArrays, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        _arrays.Recycles = reuseArrays;
        try
        {
            for (int index = 0; index < RowGroupCount; index++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (_reader.RowGroups[index].RowCount == 0)
                {
                    continue;
                }

                _arrays.ReleaseAll();
                yield return await ReadRowGroupAsync(index, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _arrays.Forget();
            _arrays.Recycles = false;
        }
    }

    /// <summary>Reads one row group into a batch.</summary>
    /// <exception cref="InvalidInteractionLogException">The row group cannot be decoded.</exception>
    public async ValueTask<InteractionBatch> ReadRowGroupAsync(int index, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, RowGroupCount);

        ParquetRowGroupReader rowGroup = _reader.RowGroups[index];
        if (rowGroup.RowCount > Array.MaxLength)
        {
            throw new InvalidInteractionLogException(Source, null,
                $"row group {index} has {rowGroup.RowCount} rows, more than one batch can hold ({Array.MaxLength}); rewrite the file with smaller row groups");
        }

        int count = (int)rowGroup.RowCount;
        IdColumn users = await ReadColumnAsync(index, _columns.User.Field,
            () => _decoder.ReadIdsAsync(rowGroup, _columns.User.Field, count, cancellationToken)).ConfigureAwait(false);
        IdColumn items = await ReadColumnAsync(index, _columns.Item.Field,
            () => _decoder.ReadIdsAsync(rowGroup, _columns.Item.Field, count, cancellationToken)).ConfigureAwait(false);

        float[]? values = _columns.Value is { } value
            ? await ReadColumnAsync(index, value.Field,
                () => _decoder.ReadValuesAsync(rowGroup, value.Field, count, cancellationToken)).ConfigureAwait(false)
            : null;
        string?[]? eventTypes = _columns.EventType is { } eventType
            ? await ReadColumnAsync(index, eventType.Field,
                () => _decoder.ReadEventTypesAsync(rowGroup, eventType.Field, count, cancellationToken)).ConfigureAwait(false)
            : null;
        long[]? timestamps = _columns.Timestamp is { } timestamp
            ? await ReadColumnAsync(index, timestamp.Field,
                () => _decoder.ReadTimestampsAsync(rowGroup, timestamp.Field, count, _epochUnit, cancellationToken)).ConfigureAwait(false)
            : null;

        return new InteractionBatch
        {
            Source = Source,
            FirstRow = _firstRows[index],
            Count = count,
            RowsInLog = RowCount,
            Users = users,
            Items = items,
            Values = values,
            EventTypes = eventTypes,
            TimestampsMicros = timestamps,
        };
    }

    /// <summary>Closes the Parquet reader, and the file when the log was opened from a path.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await _reader.DisposeAsync().ConfigureAwait(false);
        if (_ownedStream is not null)
        {
            await _ownedStream.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async ValueTask<T> ReadColumnAsync<T>(int rowGroup, DataField field, Func<ValueTask<T>> read)
    {
        try
        {
            return await read().ConfigureAwait(false);
        }
        catch (Exception ex) when (InteractionLogReader.IsDecodingFailure(ex))
        {
            throw new InvalidInteractionLogException(Source, field.Name, $"row group {rowGroup} cannot be read: {InteractionLogReader.DescribeDecodingFailure(ex)}", ex);
        }
    }
}
