using System.Buffers.Binary;

namespace Recommender.Core.Ingestion;

/// <summary>Kinds of Parquet pages (the <c>PageType</c> of the format).</summary>
internal enum ParquetPageKind
{
    Data = 0,
    Index = 1,
    Dictionary = 2,
    DataV2 = 3,
}

/// <summary>
/// The fields of a Parquet page header that reading a flat column needs, parsed from the Thrift compact protocol
/// (the format's <c>PageHeader</c>, <c>DataPageHeader</c>, <c>DictionaryPageHeader</c> and <c>DataPageHeaderV2</c>;
/// statistics and other optional fields are skipped).
/// </summary>
internal readonly record struct ParquetPageHeader(
    ParquetPageKind Kind,
    int UncompressedSize,
    int CompressedSize,
    int ValueCount,
    int Encoding,
    int DefinitionLevelEncoding,
    int DefinitionLevelsLength,
    int RepetitionLevelsLength,
    bool IsCompressed)
{
    /// <summary>Reads the header at the start of <paramref name="data"/>; <paramref name="length"/> is its size in bytes.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a well-formed page header.</exception>
    public static ParquetPageHeader Read(ReadOnlySpan<byte> data, out int length)
    {
        var reader = new ThriftCompactReader(data);
        ParquetPageKind kind = (ParquetPageKind)(-1);
        int uncompressed = -1;
        int compressed = -1;
        int values = -1;
        int encoding = -1;
        int definitionEncoding = -1;
        int definitionLength = 0;
        int repetitionLength = 0;
        bool isCompressed = true;
        short last = 0;
        while (reader.ReadFieldHeader(ref last, out byte type) is { } id)
        {
            switch (id)
            {
                case 1 when type == ThriftCompactReader.I32:
                    kind = (ParquetPageKind)reader.ReadInt32();
                    break;
                case 2 when type == ThriftCompactReader.I32:
                    uncompressed = reader.ReadInt32();
                    break;
                case 3 when type == ThriftCompactReader.I32:
                    compressed = reader.ReadInt32();
                    break;
                case 5 or 7 or 8 when type == ThriftCompactReader.Struct:
                    ReadPageKindHeader(ref reader, id, ref values, ref encoding, ref definitionEncoding, ref definitionLength, ref repetitionLength, ref isCompressed);
                    break;
                default:
                    reader.Skip(type);
                    break;
            }
        }

        if (!Enum.IsDefined(kind) || uncompressed < 0 || compressed < 0)
        {
            throw new InvalidDataException("page header lacks its type or sizes");
        }

        if (kind != ParquetPageKind.Index && (values < 0 || encoding < 0 || definitionLength < 0 || repetitionLength < 0))
        {
            throw new InvalidDataException($"{kind} page header lacks its value count or encoding");
        }

        length = reader.Position;
        return new ParquetPageHeader(kind, uncompressed, compressed, values, encoding, definitionEncoding, definitionLength, repetitionLength, isCompressed);
    }

    private static void ReadPageKindHeader(
        ref ThriftCompactReader reader, short pageField, ref int values, ref int encoding, ref int definitionEncoding,
        ref int definitionLength, ref int repetitionLength, ref bool isCompressed)
    {
        // Field numbers of DataPageHeader (5), DictionaryPageHeader (7) and DataPageHeaderV2 (8) in PageHeader.
        short last = 0;
        while (reader.ReadFieldHeader(ref last, out byte type) is { } id)
        {
            switch (pageField, id, type)
            {
                case (_, 1, ThriftCompactReader.I32):
                    values = reader.ReadInt32();
                    break;
                case (5 or 7, 2, ThriftCompactReader.I32):
                case (8, 4, ThriftCompactReader.I32):
                    encoding = reader.ReadInt32();
                    break;
                case (5, 3, ThriftCompactReader.I32):
                    definitionEncoding = reader.ReadInt32();
                    break;
                case (8, 5, ThriftCompactReader.I32):
                    definitionLength = reader.ReadInt32();
                    break;
                case (8, 6, ThriftCompactReader.I32):
                    repetitionLength = reader.ReadInt32();
                    break;
                case (8, 7, ThriftCompactReader.True or ThriftCompactReader.False):
                    isCompressed = type == ThriftCompactReader.True;
                    break;
                default:
                    reader.Skip(type);
                    break;
            }
        }
    }
}

/// <summary>Just enough of the Thrift compact protocol to read Parquet page headers and skip what they do not need.</summary>
internal ref struct ThriftCompactReader(ReadOnlySpan<byte> data)
{
    public const byte True = 1;
    public const byte False = 2;
    public const byte I32 = 5;
    public const byte Struct = 12;

    private const int MaxDepth = 32;

    private readonly ReadOnlySpan<byte> _data = data;

    public int Position { get; private set; }

    /// <summary>Reads a field header; null at the end of a struct. Field ids are deltas from <paramref name="last"/>.</summary>
    public short? ReadFieldHeader(ref short last, out byte type)
    {
        byte header = ReadByte();
        type = (byte)(header & 0x0F);
        if (type == 0)
        {
            return null;
        }

        int delta = header >> 4;
        last = delta == 0 ? (short)ZigZag(ReadVarint()) : (short)(last + delta);
        return last;
    }

    public int ReadInt32()
    {
        long value = ZigZag(ReadVarint());
        if (value is < int.MinValue or > int.MaxValue)
        {
            throw new InvalidDataException("Thrift i32 out of range");
        }

        return (int)value;
    }

    public void Skip(byte type, int depth = 0)
    {
        if (depth > MaxDepth)
        {
            throw new InvalidDataException("Thrift structure nested too deeply");
        }

        switch (type)
        {
            case True or False:
                break;
            case 3:
                ReadByte();
                break;
            case 4 or 5 or 6:
                ReadVarint();
                break;
            case 7:
                Advance(8);
                break;
            case 8:
                Advance(checked((int)ReadVarint()));
                break;
            case 9 or 10:
                SkipList(depth);
                break;
            case 11:
                SkipMap(depth);
                break;
            case Struct:
                short last = 0;
                while (ReadFieldHeader(ref last, out byte fieldType) is not null)
                {
                    Skip(fieldType, depth + 1);
                }

                break;
            default:
                throw new InvalidDataException($"unknown Thrift type {type}");
        }
    }

    private void SkipList(int depth)
    {
        byte header = ReadByte();
        long size = header >> 4;
        if (size == 15)
        {
            size = (long)ReadVarint();
        }

        byte elementType = (byte)(header & 0x0F);
        for (long i = 0; i < size; i++)
        {
            // Booleans inside lists take a byte each instead of living in the type nibble.
            if (elementType is True or False)
            {
                ReadByte();
            }
            else
            {
                Skip(elementType, depth + 1);
            }
        }
    }

    private void SkipMap(int depth)
    {
        long size = (long)ReadVarint();
        if (size == 0)
        {
            return;
        }

        byte types = ReadByte();
        for (long i = 0; i < size; i++)
        {
            SkipElement((byte)(types >> 4), depth);
            SkipElement((byte)(types & 0x0F), depth);
        }
    }

    private void SkipElement(byte type, int depth)
    {
        if (type is True or False)
        {
            ReadByte();
        }
        else
        {
            Skip(type, depth + 1);
        }
    }

    private byte ReadByte()
    {
        if (Position >= _data.Length)
        {
            throw new InvalidDataException("page header ends early");
        }

        return _data[Position++];
    }

    private void Advance(int count)
    {
        if (count < 0 || count > _data.Length - Position)
        {
            throw new InvalidDataException("page header ends early");
        }

        Position += count;
    }

    private ulong ReadVarint()
    {
        ulong value = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            byte next = ReadByte();
            value |= (ulong)(next & 0x7F) << shift;
            if (next < 0x80)
            {
                return value;
            }
        }

        throw new InvalidDataException("Thrift varint too long");
    }

    private static long ZigZag(ulong value) => (long)(value >> 1) ^ -(long)(value & 1);
}

/// <summary>The RLE / bit-packing hybrid of Parquet, used for definition levels and dictionary indices.</summary>
internal static class RleBitPackedHybrid
{
    /// <summary>Bits needed for values up to <paramref name="maxValue"/>.</summary>
    public static int BitWidth(int maxValue) => maxValue == 0 ? 0 : 32 - int.LeadingZeroCount(maxValue);

    /// <summary>Decodes exactly <paramref name="destination"/>.Length values from <paramref name="data"/>.</summary>
    /// <exception cref="InvalidDataException">The data ends before that many values.</exception>
    public static void Decode(ReadOnlySpan<byte> data, int bitWidth, Span<int> destination)
    {
        if (bitWidth is < 0 or > 32)
        {
            throw new InvalidDataException($"bit width {bitWidth} is out of range");
        }

        int position = 0;
        int filled = 0;
        int byteWidth = (bitWidth + 7) / 8;
        while (filled < destination.Length)
        {
            ulong header = ReadVarint(data, ref position);
            if ((header & 1) == 0)
            {
                ulong runLength = header >> 1;
                if (byteWidth > data.Length - position)
                {
                    throw new InvalidDataException("RLE run ends early");
                }

                int value = 0;
                for (int b = 0; b < byteWidth; b++)
                {
                    value |= data[position + b] << (8 * b);
                }

                position += byteWidth;
                int count = (int)Math.Min(runLength, (ulong)(destination.Length - filled));
                destination.Slice(filled, count).Fill(value);
                filled += count;
            }
            else
            {
                ulong groups = Math.Min(header >> 1, int.MaxValue / 8);
                int count = (int)Math.Min(groups * 8, (ulong)(destination.Length - filled));

                // The last run may stop at the last byte it needs rather than at the end of its padded group.
                long needed = (((long)count * bitWidth) + 7) / 8;
                if (needed > data.Length - position)
                {
                    throw new InvalidDataException("bit-packed run ends early");
                }

                Unpack(data.Slice(position, (int)needed), bitWidth, destination.Slice(filled, count));
                filled += count;
                position += (int)Math.Min(groups * (ulong)bitWidth, (ulong)(data.Length - position));
            }
        }
    }

    private static void Unpack(ReadOnlySpan<byte> data, int bitWidth, Span<int> destination)
    {
        if (bitWidth == 0)
        {
            destination.Clear();
            return;
        }

        ulong mask = bitWidth == 32 ? uint.MaxValue : (1UL << bitWidth) - 1;
        long bit = 0;
        for (int i = 0; i < destination.Length; i++, bit += bitWidth)
        {
            int index = (int)(bit >> 3);
            int shift = (int)(bit & 7);
            ulong word;
            if (index + 8 <= data.Length)
            {
                word = BinaryPrimitives.ReadUInt64LittleEndian(data[index..]);
            }
            else
            {
                word = 0;
                for (int b = 0; index + b < data.Length; b++)
                {
                    word |= (ulong)data[index + b] << (8 * b);
                }
            }

            destination[i] = (int)((word >> shift) & mask);
        }
    }

    private static ulong ReadVarint(ReadOnlySpan<byte> data, ref int position)
    {
        ulong value = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if (position >= data.Length)
            {
                throw new InvalidDataException("RLE header ends early");
            }

            byte next = data[position++];
            value |= (ulong)(next & 0x7F) << shift;
            if (next < 0x80)
            {
                return value;
            }
        }

        throw new InvalidDataException("RLE header too long");
    }
}
