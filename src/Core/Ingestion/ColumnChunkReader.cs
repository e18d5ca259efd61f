using System.Buffers.Binary;
using System.IO.Compression;
using Parquet;
using Parquet.Meta;
using Parquet.Schema;

namespace Recommender.Core.Ingestion;

/// <summary>
/// Reads the column chunks of a row group straight from their pages into the arrays of a batch: text (UTF-8
/// BYTE_ARRAY) into strings shared by equal values, integers (INT32, INT64) into longs, and times (INT96, INT64
/// TIMESTAMP, INT32 DATE) into microseconds since the epoch. A million rows with forty thousand distinct user ids
/// cost forty thousand strings, not a million, a dictionary-encoded chunk decodes each dictionary entry once, and no
/// page leaves garbage behind. Chunks this reader does not handle (other encodings, codecs or logical types,
/// encrypted columns, values out of range, anything malformed) are left to Parquet.Net, which reads them or says
/// what is wrong with them, so results never depend on which of the two read a chunk.
/// </summary>
/// <remarks>
/// <para>Why a second reader at all: it pays. Preprocessing a generated 20M-row log end to end (`recommender-bench
/// preprocess`) takes 9.4–10.2 s and 1,076 MiB with it against 16.8–17.3 s and 1,290 MiB through Parquet.Net alone
/// (1.6–1.8×); at 5M rows 3.3 s and 378 MiB against 6.0 s and 687 MiB. <see cref="ParquetNetOnly"/> turns it off for one
/// async flow, which is how the benchmark measures it and how <c>ReadPathsAgreeTests</c> checks that both readers give
/// the same batches, or the same rejection, for the bad-input corpus and a matrix of writers (DuckDB, Arrow C++,
/// Parquet.Net), types, codecs, encodings and page versions.</para>
/// <para>Not thread-safe: one instance per open log, reading one column chunk at a time.</para>
/// </remarks>
internal sealed class ColumnChunkReader
{
    private static readonly AsyncLocal<bool> ParquetNetOnlyInThisFlow = new();

    private const int PlainEncoding = 0;
    private const int PlainDictionaryEncoding = 2;
    private const int RleEncoding = 3;
    private const int RleDictionaryEncoding = 8;

    private readonly Stream _stream;
    private readonly BatchArrays _arrays;
    private readonly Dictionary<string, SchemaElement> _topLevel;
    private readonly TextValues _text = new();
    private byte[] _chunk = [];
    private byte[] _page = [];
    private int[] _levels = [];
    private int[] _indices = [];

    /// <summary>
    /// Until the returned scope is disposed, reads started from this async flow leave every chunk to Parquet.Net:
    /// what the benchmark compares this reader against, and how tests check that both read the same.
    /// </summary>
    public static IDisposable ParquetNetOnly()
    {
        bool before = ParquetNetOnlyInThisFlow.Value;
        ParquetNetOnlyInThisFlow.Value = true;
        return new Restore(() => ParquetNetOnlyInThisFlow.Value = before);
    }

    /// <param name="stream">The file, positioned freely: every read seeks first.</param>
    /// <param name="arrays">Where the arrays of values come from.</param>
    /// <param name="metadata">The file's footer, for the logical types of time columns.</param>
    public ColumnChunkReader(Stream stream, BatchArrays arrays, FileMetaData? metadata)
    {
        _stream = stream;
        _arrays = arrays;
        _topLevel = TopLevelElements(metadata);
    }

    /// <summary>
    /// The text values of <paramref name="field"/> (null entries where null), or null when the chunk is one to leave
    /// to Parquet.Net.
    /// </summary>
    public async ValueTask<string?[]?> TryReadTextAsync(ParquetRowGroupReader rowGroup, DataField field, int count, CancellationToken cancellationToken)
    {
        if (Describe(rowGroup, field, count) is not { } chunk || chunk.Type != Parquet.Meta.Type.BYTE_ARRAY)
        {
            return null;
        }

        string?[] values = _arrays.Take<string?>(count);
        _text.Start(values);
        try
        {
            return await TryReadAsync(chunk, field, _text, cancellationToken).ConfigureAwait(false) ? values : null;
        }
        finally
        {
            _text.Finish();
        }
    }

    /// <summary>
    /// The values of an INT32 or INT64 column read as signed integers (the CLR type <see cref="int"/> or
    /// <see cref="long"/>), with a mask of null rows when there are any; null when left to Parquet.Net.
    /// </summary>
    public async ValueTask<(long[] Values, bool[]? IsNull)?> TryReadIntegersAsync(
        ParquetRowGroupReader rowGroup, DataField field, int count, CancellationToken cancellationToken)
    {
        FixedValueKind? kind = field.ClrType == typeof(long) ? FixedValueKind.Int64
            : field.ClrType == typeof(int) ? FixedValueKind.Int32
            : null;
        return kind is { } known ? await TryReadFixedAsync(rowGroup, field, count, known, cancellationToken).ConfigureAwait(false) : null;
    }

    /// <summary>
    /// The values of a column read by Parquet.Net as <see cref="DateTime"/> (INT96, INT64 TIMESTAMP, INT32 DATE), as
    /// microseconds since the epoch, exactly as the ticks of those DateTimes give them; null when left to Parquet.Net.
    /// </summary>
    public async ValueTask<(long[] Values, bool[]? IsNull)?> TryReadTimesAsync(
        ParquetRowGroupReader rowGroup, DataField field, int count, CancellationToken cancellationToken)
    {
        if (field.ClrType != typeof(DateTime) || !_topLevel.TryGetValue(field.Name, out SchemaElement? element) || field.Path.Length != 1)
        {
            return null;
        }

        FixedValueKind? kind = element.Type switch
        {
            Parquet.Meta.Type.INT96 => FixedValueKind.Int96Time,
            Parquet.Meta.Type.INT32 => FixedValueKind.DateDays,
            Parquet.Meta.Type.INT64 when element.LogicalType?.TIMESTAMP is { } timestamp => timestamp.Unit switch
            {
                { MILLIS: not null } => FixedValueKind.Millis,
                { MICROS: not null } => FixedValueKind.Micros,
                { NANOS: not null } => FixedValueKind.Nanos,
                _ => null,
            },
            Parquet.Meta.Type.INT64 => element.ConvertedType == ConvertedType.TIMESTAMP_MICROS ? FixedValueKind.Micros : FixedValueKind.Millis,
            _ => null,
        };
        return kind is { } known ? await TryReadFixedAsync(rowGroup, field, count, known, cancellationToken).ConfigureAwait(false) : null;
    }

    private async ValueTask<(long[] Values, bool[]? IsNull)?> TryReadFixedAsync(
        ParquetRowGroupReader rowGroup, DataField field, int count, FixedValueKind kind, CancellationToken cancellationToken)
    {
        Parquet.Meta.Type physical = kind switch
        {
            FixedValueKind.Int32 or FixedValueKind.DateDays => Parquet.Meta.Type.INT32,
            FixedValueKind.Int96Time => Parquet.Meta.Type.INT96,
            _ => Parquet.Meta.Type.INT64,
        };
        if (Describe(rowGroup, field, count) is not { } chunk || chunk.Type != physical)
        {
            return null;
        }

        var values = new FixedValues(kind, _arrays.Take<long>(count), _arrays);
        return await TryReadAsync(chunk, field, values, cancellationToken).ConfigureAwait(false) ? (values.Values, values.IsNull) : null;
    }

    /// <summary>The chunk's metadata when this reader can take it on.</summary>
    private ColumnMetaData? Describe(ParquetRowGroupReader rowGroup, DataField field, int count)
    {
        if (ParquetNetOnlyInThisFlow.Value)
        {
            return null;
        }

        ColumnChunk? chunk = rowGroup.GetMetadata(field);
        ColumnMetaData? metadata = chunk?.MetaData;
        bool usable = metadata is not null && chunk!.CryptoMetadata is null && field.MaxRepetitionLevel == 0 && IsSupported(metadata.Codec)
            && metadata.NumValues == count && metadata.TotalCompressedSize > 0 && metadata.TotalCompressedSize <= Array.MaxLength
            && StartOf(metadata) > 0 && StartOf(metadata) <= _stream.Length - metadata.TotalCompressedSize;
        return usable ? metadata : null;
    }

    private async ValueTask<bool> TryReadAsync(ColumnMetaData chunk, DataField field, PageValues values, CancellationToken cancellationToken)
    {
        int length = (int)chunk.TotalCompressedSize;
        Grow(ref _chunk, length);
        _stream.Position = StartOf(chunk);
        await _stream.ReadExactlyAsync(_chunk.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
        return TryDecode(_chunk.AsSpan(0, length), chunk.Codec, field.MaxDefinitionLevel, (int)chunk.NumValues, values);
    }

    private static bool IsSupported(CompressionCodec codec) => codec is CompressionCodec.UNCOMPRESSED or CompressionCodec.SNAPPY
        or CompressionCodec.GZIP or CompressionCodec.ZSTD or CompressionCodec.BROTLI or CompressionCodec.LZ4_RAW;

    /// <summary>The chunk starts at its first page: the dictionary page when there is one (some writers leave its offset 0).</summary>
    private static long StartOf(ColumnMetaData metadata)
    {
        long start = metadata.DataPageOffset;
        if (metadata.DictionaryPageOffset is > 0 and var dictionary && dictionary < start)
        {
            start = dictionary;
        }

        return start;
    }

    private static Dictionary<string, SchemaElement> TopLevelElements(FileMetaData? metadata)
    {
        var topLevel = new Dictionary<string, SchemaElement>(StringComparer.Ordinal);
        List<SchemaElement>? schema = metadata?.Schema;
        if (schema is null || schema.Count == 0)
        {
            return topLevel;
        }

        // The schema is the tree flattened depth first; the root's children are the top-level columns.
        int index = 1;
        int children = schema[0].NumChildren ?? 0;
        for (int child = 0; child < children && index < schema.Count; child++)
        {
            SchemaElement element = schema[index];
            topLevel.TryAdd(element.Name, element);
            index = SkipSubtree(schema, index);
        }

        return topLevel;
    }

    private static int SkipSubtree(List<SchemaElement> schema, int index)
    {
        int pending = 1;
        while (pending > 0 && index < schema.Count)
        {
            pending += (schema[index].NumChildren ?? 0) - 1;
            index++;
        }

        return index;
    }

    private bool TryDecode(ReadOnlySpan<byte> chunk, CompressionCodec codec, int maxDefinition, int count, PageValues values)
    {
        try
        {
            int offset = 0;
            int row = 0;
            while (row < count)
            {
                ParquetPageHeader header = ParquetPageHeader.Read(chunk[offset..], out int headerLength);
                offset += headerLength;
                if (header.CompressedSize > chunk.Length - offset)
                {
                    return false;
                }

                ReadOnlySpan<byte> body = chunk.Slice(offset, header.CompressedSize);
                offset += header.CompressedSize;
                switch (header.Kind)
                {
                    case ParquetPageKind.Dictionary:
                        if (values.HasDictionary || header.Encoding is not (PlainEncoding or PlainDictionaryEncoding))
                        {
                            return false;
                        }

                        values.ReadDictionary(Decompress(codec, body, header.UncompressedSize), header.ValueCount);
                        break;
                    case ParquetPageKind.Data or ParquetPageKind.DataV2:
                        int rows = header.ValueCount;
                        if (rows > count - row || !TryReadDataPage(codec, header, body, maxDefinition, values, row, rows))
                        {
                            return false;
                        }

                        row += rows;
                        break;
                    default:
                        break;
                }
            }

            return true;
        }
        catch (InvalidDataException)
        {
            return false;
        }
        catch (ZstdSharp.ZstdException)
        {
            return false;
        }
        catch (ArgumentException)
        {
            // Decompressors say so when a page holds more than its header declares.
            return false;
        }
        catch (OverflowException)
        {
            return false;
        }
    }

    private bool TryReadDataPage(CompressionCodec codec, ParquetPageHeader header, ReadOnlySpan<byte> body, int maxDefinition, PageValues values, int firstRow, int rows)
    {
        Span<int> levels = maxDefinition > 0 ? Grow(ref _levels, rows) : default;
        int bitWidth = RleBitPackedHybrid.BitWidth(maxDefinition);
        ReadOnlySpan<byte> data;
        if (header.Kind == ParquetPageKind.Data)
        {
            data = Decompress(codec, body, header.UncompressedSize);
            if (maxDefinition > 0)
            {
                if (header.DefinitionLevelEncoding != RleEncoding || data.Length < 4)
                {
                    return false;
                }

                int length = BinaryPrimitives.ReadInt32LittleEndian(data);
                if (length < 0 || length > data.Length - 4)
                {
                    return false;
                }

                RleBitPackedHybrid.Decode(data.Slice(4, length), bitWidth, levels);
                data = data[(4 + length)..];
            }
        }
        else
        {
            int levelBytes = header.RepetitionLevelsLength + header.DefinitionLevelsLength;
            if (header.RepetitionLevelsLength != 0 || levelBytes > body.Length || (maxDefinition == 0 && header.DefinitionLevelsLength != 0))
            {
                return false;
            }

            if (maxDefinition > 0)
            {
                RleBitPackedHybrid.Decode(body[..levelBytes], bitWidth, levels);
            }

            data = header.IsCompressed ? Decompress(codec, body[levelBytes..], header.UncompressedSize - levelBytes) : body[levelBytes..];
        }

        var page = new DataPage(levels, maxDefinition, firstRow, rows);
        switch (header.Encoding)
        {
            case PlainEncoding:
                values.ReadPlain(data, page);
                return true;
            case PlainDictionaryEncoding or RleDictionaryEncoding when values.HasDictionary:
                int present = maxDefinition > 0 ? levels.Count(maxDefinition) : rows;
                Span<int> indices = Grow(ref _indices, present);
                if (present > 0)
                {
                    if (data.IsEmpty)
                    {
                        return false;
                    }

                    RleBitPackedHybrid.Decode(data[1..], data[0], indices);
                }

                values.ReadIndices(indices, page);
                return true;
            default:
                return false;
        }
    }

    private ReadOnlySpan<byte> Decompress(CompressionCodec codec, ReadOnlySpan<byte> source, int size)
    {
        if (size < 0)
        {
            throw new InvalidDataException("negative page size");
        }

        if (codec == CompressionCodec.UNCOMPRESSED)
        {
            return source.Length == size ? source : throw new InvalidDataException("page size differs from its header");
        }

        Span<byte> target = Grow(ref _page, size);
        int written;
        switch (codec)
        {
            case CompressionCodec.SNAPPY:
                written = Snappier.Snappy.Decompress(source, target);
                break;
            case CompressionCodec.ZSTD:
                using (var zstd = new ZstdSharp.Decompressor())
                {
                    written = zstd.Unwrap(source, target);
                }

                break;
            case CompressionCodec.GZIP:
                using (var gzip = new GZipStream(new MemoryStream(source.ToArray()), CompressionMode.Decompress))
                {
                    written = gzip.ReadAtLeast(target, size, throwOnEndOfStream: false);
                }

                break;
            case CompressionCodec.BROTLI:
                written = BrotliDecoder.TryDecompress(source, target, out int brotli) ? brotli : -1;
                break;
            case CompressionCodec.LZ4_RAW:
                written = K4os.Compression.LZ4.LZ4Codec.Decode(source, target);
                break;
            default:
                throw new InvalidDataException($"codec {codec} is not read here");
        }

        return written == size ? target : throw new InvalidDataException("page size differs from its header");
    }

    /// <summary>Buffers are kept for the next chunk (a log's chunks and pages are of similar sizes) and go with the log.</summary>
    private static Span<T> Grow<T>(ref T[] buffer, int length)
    {
        if (buffer.Length < length)
        {
            buffer = new T[Math.Max(length, buffer.Length + (buffer.Length / 4))];
        }

        return buffer.AsSpan(0, length);
    }

    private static ReadOnlySpan<byte> NextPlainText(ReadOnlySpan<byte> data, scoped ref int position)
    {
        if (position > data.Length - 4)
        {
            throw new InvalidDataException("text value ends early");
        }

        int length = BinaryPrimitives.ReadInt32LittleEndian(data[position..]);
        position += 4;
        if ((uint)length > (uint)(data.Length - position))
        {
            throw new InvalidDataException("text value ends early");
        }

        ReadOnlySpan<byte> value = data.Slice(position, length);
        position += length;
        return value;
    }

    /// <summary>The rows of one data page: where they go and which of them have a value.</summary>
    private readonly ref struct DataPage(ReadOnlySpan<int> levels, int maxDefinition, int firstRow, int rows)
    {
        public readonly ReadOnlySpan<int> Levels = levels;
        public readonly int MaxDefinition = maxDefinition;
        public readonly int FirstRow = firstRow;
        public readonly int Rows = rows;

        public bool IsNull(int row) => MaxDefinition > 0 && Levels[row] != MaxDefinition;
    }

    /// <summary>Where the values of a chunk's pages go, and how they are decoded.</summary>
    private abstract class PageValues
    {
        public abstract bool HasDictionary { get; }

        /// <summary>Decodes the PLAIN-encoded dictionary page.</summary>
        public abstract void ReadDictionary(ReadOnlySpan<byte> data, int count);

        /// <summary>Decodes a PLAIN-encoded data page.</summary>
        public abstract void ReadPlain(ReadOnlySpan<byte> data, DataPage page);

        /// <summary>Looks up a dictionary-encoded data page's values.</summary>
        public abstract void ReadIndices(ReadOnlySpan<int> indices, DataPage page);
    }

    /// <summary>Text values as strings shared by equal values within the chunk.</summary>
    private sealed class TextValues : PageValues
    {
        private readonly HashSet<string> _labels = new(StringComparer.Ordinal);
        private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _lookup;
        private char[] _chars = new char[256];
        private string?[] _target = [];
        private string[]? _dictionary;

        public TextValues()
        {
            _lookup = _labels.GetAlternateLookup<ReadOnlySpan<char>>();
        }

        public override bool HasDictionary => _dictionary is not null;

        public void Start(string?[] target)
        {
            _target = target;
            _dictionary = null;
        }

        public void Finish()
        {
            _target = [];
            _dictionary = null;
            _labels.Clear();
        }

        public override void ReadDictionary(ReadOnlySpan<byte> data, int count)
        {
            var dictionary = new string[count];
            int position = 0;
            for (int i = 0; i < count; i++)
            {
                dictionary[i] = Label(NextPlainText(data, ref position));
            }

            _dictionary = dictionary;
        }

        public override void ReadPlain(ReadOnlySpan<byte> data, DataPage page)
        {
            // Logs are often sorted or grouped by user: a row equal to the one before reuses its string without a lookup.
            Span<string?> target = _target.AsSpan(page.FirstRow, page.Rows);
            int position = 0;
            ReadOnlySpan<byte> previous = default;
            string? previousLabel = null;
            for (int r = 0; r < target.Length; r++)
            {
                if (page.IsNull(r))
                {
                    target[r] = null;
                    continue;
                }

                ReadOnlySpan<byte> value = NextPlainText(data, ref position);
                if (previousLabel is null || !value.SequenceEqual(previous))
                {
                    previousLabel = Label(value);
                    previous = value;
                }

                target[r] = previousLabel;
            }
        }

        public override void ReadIndices(ReadOnlySpan<int> indices, DataPage page)
        {
            string[] dictionary = _dictionary!;
            Span<string?> target = _target.AsSpan(page.FirstRow, page.Rows);
            int next = 0;
            for (int r = 0; r < target.Length; r++)
            {
                if (page.IsNull(r))
                {
                    target[r] = null;
                    continue;
                }

                int index = indices[next++];
                target[r] = (uint)index < (uint)dictionary.Length ? dictionary[index] : throw new InvalidDataException("dictionary index out of range");
            }
        }

        /// <summary>The shared string for a UTF-8 value; invalid bytes become U+FFFD, as Parquet.Net decodes them.</summary>
        private string Label(ReadOnlySpan<byte> utf8)
        {
            if (_chars.Length < utf8.Length)
            {
                _chars = new char[Math.Max(utf8.Length, _chars.Length * 2)];
            }

            int length = System.Text.Encoding.UTF8.GetChars(utf8, _chars);
            ReadOnlySpan<char> text = _chars.AsSpan(0, length);
            if (!_lookup.TryGetValue(text, out string? label))
            {
                label = new string(text);
                _labels.Add(label);
            }

            return label;
        }
    }

    /// <summary>Fixed-width values converted to longs; null rows hold 0 and are marked in <see cref="IsNull"/>.</summary>
    private sealed class FixedValues(FixedValueKind kind, long[] values, BatchArrays arrays) : PageValues
    {
        private long[]? _dictionary;

        public long[] Values { get; } = values;

        public bool[]? IsNull { get; private set; }

        public override bool HasDictionary => _dictionary is not null;

        private int Width => kind switch
        {
            FixedValueKind.Int32 or FixedValueKind.DateDays => 4,
            FixedValueKind.Int96Time => 12,
            _ => 8,
        };

        public override void ReadDictionary(ReadOnlySpan<byte> data, int count)
        {
            if ((long)count * Width > data.Length)
            {
                throw new InvalidDataException("dictionary page ends early");
            }

            var dictionary = new long[count];
            for (int i = 0; i < count; i++)
            {
                dictionary[i] = Convert(data.Slice(i * Width, Width));
            }

            _dictionary = dictionary;
        }

        public override void ReadPlain(ReadOnlySpan<byte> data, DataPage page)
        {
            Span<long> target = Values.AsSpan(page.FirstRow, page.Rows);
            int width = Width;
            int position = 0;
            for (int r = 0; r < target.Length; r++)
            {
                if (page.IsNull(r))
                {
                    MarkNull(page.FirstRow + r);
                    continue;
                }

                if (position > data.Length - width)
                {
                    throw new InvalidDataException("data page ends early");
                }

                target[r] = Convert(data.Slice(position, width));
                position += width;
            }
        }

        public override void ReadIndices(ReadOnlySpan<int> indices, DataPage page)
        {
            long[] dictionary = _dictionary!;
            Span<long> target = Values.AsSpan(page.FirstRow, page.Rows);
            int next = 0;
            for (int r = 0; r < target.Length; r++)
            {
                if (page.IsNull(r))
                {
                    MarkNull(page.FirstRow + r);
                    continue;
                }

                int index = indices[next++];
                target[r] = (uint)index < (uint)dictionary.Length ? dictionary[index] : throw new InvalidDataException("dictionary index out of range");
            }
        }

        private void MarkNull(int row)
        {
            IsNull ??= arrays.Take<bool>(Values.Length);
            IsNull[row] = true;
            Values[row] = 0;
        }

        private long Convert(ReadOnlySpan<byte> raw) => kind switch
        {
            FixedValueKind.Int32 => BinaryPrimitives.ReadInt32LittleEndian(raw),
            FixedValueKind.Int64 => BinaryPrimitives.ReadInt64LittleEndian(raw),
            FixedValueKind.DateDays => EpochTime.DaysToMicros(BinaryPrimitives.ReadInt32LittleEndian(raw)),
            FixedValueKind.Millis => EpochTime.MillisToMicros(BinaryPrimitives.ReadInt64LittleEndian(raw)),
            FixedValueKind.Micros => EpochTime.MicrosToMicros(BinaryPrimitives.ReadInt64LittleEndian(raw)),
            FixedValueKind.Nanos => EpochTime.NanosToMicros(BinaryPrimitives.ReadInt64LittleEndian(raw)),
            _ => EpochTime.Int96ToMicros(BinaryPrimitives.ReadInt64LittleEndian(raw), BinaryPrimitives.ReadInt32LittleEndian(raw[8..])),
        };
    }
}

/// <summary>How the fixed-width values of a chunk become longs.</summary>
internal enum FixedValueKind
{
    /// <summary>INT32 read as a signed integer.</summary>
    Int32,

    /// <summary>INT64 read as a signed integer.</summary>
    Int64,

    /// <summary>INT32 DATE: days since the epoch, as microseconds.</summary>
    DateDays,

    /// <summary>INT64 TIMESTAMP in milliseconds, as microseconds.</summary>
    Millis,

    /// <summary>INT64 TIMESTAMP in microseconds.</summary>
    Micros,

    /// <summary>INT64 TIMESTAMP in nanoseconds, as microseconds.</summary>
    Nanos,

    /// <summary>INT96: nanoseconds of the day and Julian day, as microseconds.</summary>
    Int96Time,
}

/// <summary>
/// Time values as microseconds since the epoch, computed as Parquet.Net's DateTime for the value followed by
/// <c>floor((ticks - epoch ticks) / 10)</c> would give them. Values whose DateTime would be out of range are rejected
/// with <see cref="InvalidDataException"/>, so that Parquet.Net reads the chunk and reports them as it always has.
/// </summary>
internal static class EpochTime
{
    private const long TicksPerMicro = 10;
    private const long JulianDayOfEpoch = 2_440_588;
    private static readonly long EpochTicks = DateTime.UnixEpoch.Ticks;
    private static readonly long MaxTicks = DateTime.MaxValue.Ticks;

    public static long DaysToMicros(int days) => Micros(checked(days * TimeSpan.TicksPerDay));

    public static long MillisToMicros(long millis) => Micros(MillisTicks(millis));

    public static long MicrosToMicros(long micros) => Micros(checked(MillisTicks(micros / 1000) + ((micros % 1000) * TicksPerMicro)));

    public static long NanosToMicros(long nanos) => Micros(checked(MillisTicks(nanos / 1_000_000) + ((nanos % 1_000_000) / 100)));

    /// <summary>INT96 as Parquet.Net reads it: the Julian day's midnight plus the nanoseconds of the day cut to ticks.</summary>
    public static long Int96ToMicros(long nanosOfDay, int julianDay)
    {
        // Parquet.Net clamps years before 1 to 1; such days and days past 9999 are left to it.
        const long FirstJulianDay = 1_721_426;
        const long LastJulianDay = 5_373_484;
        if (julianDay is < (int)FirstJulianDay or > (int)LastJulianDay)
        {
            throw new InvalidDataException("INT96 day out of the DateTime range");
        }

        long midnight = (julianDay - JulianDayOfEpoch) * TimeSpan.TicksPerDay;
        return Micros(checked(midnight + (nanosOfDay / 100)));
    }

    private static long MillisTicks(long millis)
    {
        long ticks = checked(millis * TimeSpan.TicksPerMillisecond);
        CheckRange(ticks);
        return ticks;
    }

    /// <summary>Microseconds of a point <paramref name="ticks"/> after the epoch, checked to be a valid DateTime.</summary>
    private static long Micros(long ticks)
    {
        CheckRange(ticks);
        return EpochTimestamps.FloorDivide(ticks, TicksPerMicro);
    }

    private static void CheckRange(long ticksAfterEpoch)
    {
        if (ticksAfterEpoch < -EpochTicks || ticksAfterEpoch > MaxTicks - EpochTicks)
        {
            throw new InvalidDataException("time out of the DateTime range");
        }
    }
}

/// <summary>Runs an action when disposed: the end of a scope.</summary>
file sealed class Restore(Action restore) : IDisposable
{
    public void Dispose() => restore();
}
