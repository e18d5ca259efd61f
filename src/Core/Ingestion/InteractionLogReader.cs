using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Parquet;
using Parquet.Schema;

namespace Recommender.Core.Ingestion;

/// <summary>
/// Reads Parquet interaction logs written by any writer (Spark, pandas/pyarrow, DuckDB, Parquet.Net)
/// into <see cref="InteractionBatch"/>es, one per row group.
/// </summary>
/// <remarks>
/// <para>Columns come from the <see cref="ColumnMapping"/>, or are detected by name, ignoring case,
/// <c>_</c>, <c>-</c> and spaces (<c>user_id</c>, <c>userId</c>, <c>customer_id</c>, <c>movieId</c>, <c>rating</c>,
/// <c>event_type</c>, <c>timestamp</c>, ...). Nested columns are never used; a nested column whose name fits
/// an optional role is ignored.</para>
/// <para>Ids may be strings, any integer or UUIDs; values any number; event types strings or integer codes;
/// timestamps integer epochs (unit configured or detected per file), TIMESTAMP in any unit, INT96 or DATE.</para>
/// <para>A file that cannot be used is rejected with an <see cref="InvalidInteractionLogException"/> naming it
/// and, where one is at fault, the column. The input is only read, never written.</para>
/// </remarks>
public sealed partial class InteractionLogReader
{
    private static readonly byte[] ParquetMagic = "PAR1"u8.ToArray();
    private static readonly byte[] EncryptedMagic = "PARE"u8.ToArray();

    private readonly ILogger _logger;

    /// <summary>Creates a reader.</summary>
    public InteractionLogReader(ILogger<InteractionLogReader>? logger = null)
    {
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>
    /// Streams the rows of a Parquet log as one batch per row group. The stream must be seekable; it is
    /// left open. Use <see cref="OpenAsync(Stream, string, ColumnMapping, CancellationToken)"/> to see
    /// the resolved schema before reading.
    /// </summary>
    /// <param name="stream">The Parquet file; read only.</param>
    /// <param name="source">The name of the file or blob, used in batches and messages.</param>
    /// <param name="mapping">Which column holds what.</param>
    /// <param name="cancellationToken">Stops reading between and within row groups.</param>
    /// <exception cref="InvalidInteractionLogException">The file is not a usable interaction log.</exception>
    public IAsyncEnumerable<InteractionBatch> ReadAsync(
        Stream stream, string source, ColumnMapping mapping, CancellationToken cancellationToken = default)
    {
        CheckArguments(stream, source, mapping);
        return ReadBatchesAsync(stream, source, mapping, cancellationToken);
    }

    /// <summary>
    /// Opens a Parquet log, checks it and resolves its columns without reading any rows (an integer
    /// timestamp column without statistics costs one column read to detect its unit).
    /// The stream must be seekable; it is left open when the log is disposed.
    /// </summary>
    /// <exception cref="InvalidInteractionLogException">The file is not a usable interaction log.</exception>
    public Task<InteractionLog> OpenAsync(Stream stream, string source, ColumnMapping mapping, CancellationToken cancellationToken = default)
    {
        CheckArguments(stream, source, mapping);
        return OpenCoreAsync(stream, ownsStream: false, source, mapping, cancellationToken);
    }

    /// <summary>Opens a Parquet log from a local file, read only; the path is the source. Disposing the log closes the file.</summary>
    /// <exception cref="InvalidInteractionLogException">The file is not a usable interaction log.</exception>
    public async Task<InteractionLog> OpenAsync(string path, ColumnMapping mapping, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(mapping);

        var stream = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.Open,
            Access = FileAccess.Read,
            Share = FileShare.Read,
            Options = FileOptions.Asynchronous | FileOptions.SequentialScan,
        });
        try
        {
            return await OpenCoreAsync(stream, ownsStream: true, path, mapping, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// True for what Parquet.Net and the stream throw on a damaged file, as opposed to cancellation,
    /// running out of memory, a rejection already made, or a defect in this reader.
    /// </summary>
    internal static bool IsDecodingFailure(Exception exception) =>
        exception is not (OperationCanceledException or OutOfMemoryException or InvalidInteractionLogException
            or ObjectDisposedException or System.Diagnostics.UnreachableException);

    /// <summary>
    /// What a decoding failure says to a person: the decoder's message without its final period (the reason is part of
    /// a longer sentence), or, for the exceptions a decoder throws when it runs past damaged data with a message that
    /// says nothing of the data (an index out of range, a null, a bad cast), that the data is damaged, with the
    /// exception's name instead of its message.
    /// </summary>
    internal static string DescribeDecodingFailure(Exception exception) => exception switch
    {
        IndexOutOfRangeException or NullReferenceException or InvalidCastException
            => $"its data is damaged or not what the file's metadata says ({exception.GetType().Name} while decoding)",
        _ => exception.Message.TrimEnd().TrimEnd('.'),
    };

    private async IAsyncEnumerable<InteractionBatch> ReadBatchesAsync(
        Stream stream, string source, ColumnMapping mapping, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        InteractionLog log = await OpenCoreAsync(stream, ownsStream: false, source, mapping, cancellationToken).ConfigureAwait(false);
        await using (log.ConfigureAwait(false))
        {
            await foreach (InteractionBatch batch in log.ReadBatchesAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return batch;
            }
        }
    }

    private async Task<InteractionLog> OpenCoreAsync(
        Stream stream, bool ownsStream, string source, ColumnMapping mapping, CancellationToken cancellationToken)
    {
        await CheckMagicAsync(stream, source, cancellationToken).ConfigureAwait(false);

        ParquetReader reader;
        try
        {
            reader = await ParquetReader.CreateAsync(stream, ReaderOptions(), leaveStreamOpen: true, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsDecodingFailure(ex))
        {
            throw new InvalidInteractionLogException(source, null, $"the Parquet footer cannot be read: {DescribeDecodingFailure(ex)}", ex);
        }

        try
        {
            long rows = reader.RowGroups.Sum(group => group.RowCount);
            if (rows == 0)
            {
                throw new InvalidInteractionLogException(source, null, "contains no rows");
            }

            ResolvedColumns columns = ColumnResolver.Resolve(reader.Schema, mapping, source);
            (TimestampUnit epochUnit, bool detected) = await ResolveEpochUnitAsync(reader, stream, columns.Timestamp, mapping.TimestampUnit, source, cancellationToken)
                .ConfigureAwait(false);

            bool isEpoch = columns.Timestamp is { } timestamp && ColumnResolver.IsInteger(timestamp.Field.ClrType);
            var schema = new InteractionLogSchema
            {
                User = columns.User.ToLogColumn(),
                Item = columns.Item.ToLogColumn(),
                Value = columns.Value?.ToLogColumn(),
                EventType = columns.EventType?.ToLogColumn(),
                Timestamp = columns.Timestamp?.ToLogColumn(),
                EpochUnit = isEpoch ? epochUnit : null,
                EpochUnitDetected = isEpoch && detected,
                Skipped = columns.Skipped,
            };

            LogOpened(source, rows, reader.RowGroupCount, schema.User.Name, schema.Item.Name,
                schema.Value?.Name, schema.EventType?.Name, schema.Timestamp?.Name, schema.EpochUnit);
            return new InteractionLog(reader, stream, ownsStream, source, columns, schema, epochUnit);
        }
        catch
        {
            await reader.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static ParquetOptions ReaderOptions() => new()
    {
        // Binary without a UTF8 annotation stays binary, so such an id column is rejected rather than guessed at.
        TreatByteArrayAsString = false,
        TreatBigIntegersAsDates = true,
        UseDateOnlyTypeForDates = false,
    };

    /// <summary>
    /// Decides the unit of an integer timestamp column once per file, from the largest magnitude in
    /// the row groups' statistics; when no row group has statistics, from the values of the first
    /// row group that has any.
    /// </summary>
    private static async Task<(TimestampUnit Unit, bool Detected)> ResolveEpochUnitAsync(
        ParquetReader reader, Stream stream, ResolvedColumn? timestamp, TimestampUnit configured, string source, CancellationToken cancellationToken)
    {
        if (timestamp is null || !ColumnResolver.IsInteger(timestamp.Field.ClrType))
        {
            return (configured == TimestampUnit.Auto ? TimestampUnit.Seconds : configured, false);
        }

        if (configured != TimestampUnit.Auto)
        {
            return (configured, false);
        }

        DataField field = timestamp.Field;
        double? largest = null;
        try
        {
            foreach (ParquetRowGroupReader rowGroup in reader.RowGroups)
            {
                Parquet.Data.DataColumnStatistics? statistics = rowGroup.GetStatistics(field);
                foreach (object? bound in new[] { statistics?.MinValue, statistics?.MaxValue })
                {
                    if (bound is IConvertible convertible)
                    {
                        double magnitude = Math.Abs(convertible.ToDouble(System.Globalization.CultureInfo.InvariantCulture));
                        largest = Math.Max(largest ?? 0, magnitude);
                    }
                }
            }

            if (largest is null)
            {
                var arrays = new BatchArrays();
                var decoder = new ColumnDecoder(new ColumnChunkReader(stream, arrays, reader.Metadata), arrays);
                foreach (ParquetRowGroupReader rowGroup in reader.RowGroups)
                {
                    if (rowGroup.RowCount > 0 && rowGroup.RowCount <= Array.MaxLength)
                    {
                        largest = await decoder.ReadLargestMagnitudeAsync(rowGroup, field, (int)rowGroup.RowCount, cancellationToken)
                            .ConfigureAwait(false);
                        if (largest is not null)
                        {
                            break;
                        }
                    }
                }
            }
        }
        catch (Exception ex) when (IsDecodingFailure(ex))
        {
            throw new InvalidInteractionLogException(source, field.Name, $"cannot be read to detect its timestamp unit: {DescribeDecodingFailure(ex)}", ex);
        }

        return (EpochTimestamps.Detect(largest ?? 0), true);
    }

    /// <summary>Tells a file that is not Parquet at all from one that was cut short, before Parquet.Net sees it.</summary>
    private static async Task CheckMagicAsync(Stream stream, string source, CancellationToken cancellationToken)
    {
        long length = stream.Length;
        if (length == 0)
        {
            throw new InvalidInteractionLogException(source, null, "is empty (0 bytes), not a Parquet file");
        }

        var head = new byte[4];
        stream.Position = 0;
        int read = await stream.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        if (read < head.Length || !head.AsSpan().SequenceEqual(ParquetMagic))
        {
            string reason = head.AsSpan().SequenceEqual(EncryptedMagic)
                ? "is an encrypted Parquet file, which is not supported"
                : "is not a Parquet file (it does not start with the PAR1 magic bytes)";
            throw new InvalidInteractionLogException(source, null, reason);
        }

        // Magic, footer length and magic again take 12 bytes; a file that ends early lost its footer.
        var tail = new byte[8];
        if (length >= 12)
        {
            stream.Position = length - tail.Length;
            await stream.ReadExactlyAsync(tail, cancellationToken).ConfigureAwait(false);
        }

        stream.Position = 0;
        if (length < 12 || !tail.AsSpan(4).SequenceEqual(ParquetMagic))
        {
            throw new InvalidInteractionLogException(source, null,
                $"is truncated or damaged: it starts as Parquet but does not end with the PAR1 footer ({length} bytes)");
        }

        // A damaged footer length would make the Parquet reader allocate whatever it claims.
        int footerLength = BinaryPrimitives.ReadInt32LittleEndian(tail);
        if (footerLength <= 0 || footerLength > length - 12)
        {
            string damage = $"its length field claims {footerLength} bytes but the file holds {length} bytes";
            throw new InvalidInteractionLogException(source, null, $"the Parquet footer cannot be read: {damage}", new InvalidDataException(damage));
        }
    }

    private static void CheckArguments(Stream stream, string source, ColumnMapping mapping)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentException.ThrowIfNullOrEmpty(source);
        ArgumentNullException.ThrowIfNull(mapping);
        if (!stream.CanRead || !stream.CanSeek)
        {
            throw new ArgumentException(
                $"Reading '{source}' needs a readable, seekable stream (Parquet keeps its footer at the end); copy it to a file first.",
                nameof(stream));
        }
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Reading {Source}: {RowCount} rows in {RowGroupCount} row groups; user={UserColumn}, item={ItemColumn}, value={ValueColumn}, event type={EventTypeColumn}, timestamp={TimestampColumn} (epoch unit {EpochUnit})")]
    private partial void LogOpened(string source, long rowCount, int rowGroupCount, string userColumn, string itemColumn,
        string? valueColumn, string? eventTypeColumn, string? timestampColumn, TimestampUnit? epochUnit);
}
