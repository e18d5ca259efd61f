using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using Parquet;
using Parquet.Meta;
using Parquet.Schema;

namespace Recommender.Core.Ingestion;

/// <summary>
/// Reads a text column chunk (UTF-8 BYTE_ARRAY) of one row group straight from its pages so that equal values share
/// one string: a million rows with forty thousand distinct user ids cost forty thousand strings, not a million, and
/// no per-row buffer. A dictionary-encoded chunk decodes each dictionary entry once. Chunks this reader does not
/// handle (other encodings or codecs, encrypted columns, anything malformed) are left to Parquet.Net, which reads
/// them or says what is wrong with them, so the result never depends on which of the two read a chunk.
/// </summary>
/// <remarks>Not thread-safe: one instance per open log, reading one column chunk at a time.</remarks>
internal sealed class TextColumnReader
{
    private const int PlainEncoding = 0;
    private const int PlainDictionaryEncoding = 2;
    private const int RleEncoding = 3;
    private const int RleDictionaryEncoding = 8;

    private readonly Stream _stream;
    private readonly HashSet<string> _labels = new(StringComparer.Ordinal);
    private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private char[] _chars = new char[256];
    private byte[] _page = [];
    private int[] _levels = [];
    private int[] _indices = [];

    public TextColumnReader(Stream stream)
    {
        _stream = stream;
        _lookup = _labels.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>
    /// The values of <paramref name="field"/> in <paramref name="rowGroup"/> (null entries where null), or null when
    /// the chunk is one to leave to Parquet.Net.
    /// </summary>
    public async ValueTask<string?[]?> TryReadAsync(ParquetRowGroupReader rowGroup, DataField field, int count, CancellationToken cancellationToken)
    {
        ColumnChunk? chunk = rowGroup.GetMetadata(field);
        ColumnMetaData? metadata = chunk?.MetaData;
        if (metadata is null || chunk!.CryptoMetadata is not null || metadata.Type != Parquet.Meta.Type.BYTE_ARRAY
            || field.MaxRepetitionLevel > 0 || !IsSupported(metadata.Codec) || metadata.NumValues != count)
        {
            return null;
        }

        long start = StartOf(metadata);
        long length = metadata.TotalCompressedSize;
        if (start <= 0 || length <= 0 || length > Array.MaxLength || start > _stream.Length - length)
        {
            return null;
        }

        byte[] buffer = ArrayPool<byte>.Shared.Rent((int)length);
        try
        {
            _stream.Position = start;
            await _stream.ReadExactlyAsync(buffer.AsMemory(0, (int)length), cancellationToken).ConfigureAwait(false);
            var values = new string?[count];
            return TryDecode(buffer.AsSpan(0, (int)length), metadata.Codec, field.MaxDefinitionLevel, values) ? values : null;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            _labels.Clear();
        }
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

    private bool TryDecode(ReadOnlySpan<byte> chunk, CompressionCodec codec, int maxDefinition, string?[] values)
    {
        string[]? dictionary = null;
        try
        {
            int offset = 0;
            int row = 0;
            while (row < values.Length)
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
                        if (dictionary is not null || header.Encoding is not (PlainEncoding or PlainDictionaryEncoding))
                        {
                            return false;
                        }

                        dictionary = new string[header.ValueCount];
                        ReadDictionary(Decompress(codec, body, header.UncompressedSize), dictionary);
                        break;
                    case ParquetPageKind.Data or ParquetPageKind.DataV2:
                        int rows = header.ValueCount;
                        if (rows > values.Length - row || !TryReadDataPage(codec, header, body, maxDefinition, dictionary, values.AsSpan(row, rows)))
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
    }

    private bool TryReadDataPage(
        CompressionCodec codec, ParquetPageHeader header, ReadOnlySpan<byte> body, int maxDefinition, string[]? dictionary,
        Span<string?> target)
    {
        int rows = target.Length;
        Span<int> rowLevels = maxDefinition > 0 ? Grow(ref _levels, rows) : default;
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

                RleBitPackedHybrid.Decode(data.Slice(4, length), bitWidth, rowLevels);
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
                RleBitPackedHybrid.Decode(body[..levelBytes], bitWidth, rowLevels);
            }

            data = header.IsCompressed ? Decompress(codec, body[levelBytes..], header.UncompressedSize - levelBytes) : body[levelBytes..];
        }

        switch (header.Encoding)
        {
            case PlainEncoding:
                ReadPlainRows(data, rowLevels, maxDefinition, target);
                return true;
            case PlainDictionaryEncoding or RleDictionaryEncoding when dictionary is not null:
                int present = maxDefinition > 0 ? rowLevels.Count(maxDefinition) : rows;
                Span<int> rowIndices = Grow(ref _indices, present);
                if (present > 0)
                {
                    if (data.IsEmpty)
                    {
                        return false;
                    }

                    RleBitPackedHybrid.Decode(data[1..], data[0], rowIndices);
                }

                int next = 0;
                for (int r = 0; r < rows; r++)
                {
                    if (maxDefinition > 0 && rowLevels[r] != maxDefinition)
                    {
                        target[r] = null;
                        continue;
                    }

                    int index = rowIndices[next++];
                    if ((uint)index >= (uint)dictionary.Length)
                    {
                        return false;
                    }

                    target[r] = dictionary[index];
                }

                return true;
            default:
                return false;
        }
    }

    private void ReadPlainRows(ReadOnlySpan<byte> data, ReadOnlySpan<int> rowLevels, int maxDefinition, Span<string?> target)
    {
        // Logs are often sorted or grouped by user: a row equal to the one before reuses its string without a lookup.
        int position = 0;
        ReadOnlySpan<byte> previous = default;
        string? previousLabel = null;
        for (int r = 0; r < target.Length; r++)
        {
            if (maxDefinition > 0 && rowLevels[r] != maxDefinition)
            {
                target[r] = null;
                continue;
            }

            ReadOnlySpan<byte> value = NextPlainValue(data, ref position);
            if (previousLabel is null || !value.SequenceEqual(previous))
            {
                previousLabel = Label(value);
                previous = value;
            }

            target[r] = previousLabel;
        }
    }

    private void ReadDictionary(ReadOnlySpan<byte> data, string[] dictionary)
    {
        int position = 0;
        for (int i = 0; i < dictionary.Length; i++)
        {
            dictionary[i] = Label(NextPlainValue(data, ref position));
        }
    }

    private static ReadOnlySpan<byte> NextPlainValue(ReadOnlySpan<byte> data, scoped ref int position)
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

    /// <summary>Page buffers are kept for the next chunk: a log's pages are of similar sizes.</summary>
    private static Span<T> Grow<T>(ref T[] buffer, int length)
    {
        if (buffer.Length < length)
        {
            buffer = new T[Math.Max(length, buffer.Length + (buffer.Length / 4))];
        }

        return buffer.AsSpan(0, length);
    }
}
