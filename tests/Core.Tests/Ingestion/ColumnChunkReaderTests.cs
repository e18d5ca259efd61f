using Parquet;
using Parquet.Schema;
using ParquetSharp;
using Recommender.Core.Ingestion;
using Recommender.Core.Tests.TestSupport;

namespace Recommender.Core.Tests.Ingestion;

/// <summary>
/// The page-level text reader must give exactly what Parquet.Net gives for the same column chunk, whatever the
/// writer chose (codec, dictionary or plain pages, page version, page size, dictionary overflowing into plain pages).
/// </summary>
public sealed class ColumnChunkReaderTests : IDisposable
{
    private const int Rows = 3_000;

    private readonly TempDirectory _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData(Compression.Uncompressed, true, ParquetDataPageVersion.V1)]
    [InlineData(Compression.Snappy, true, ParquetDataPageVersion.V1)]
    [InlineData(Compression.Snappy, false, ParquetDataPageVersion.V1)]
    [InlineData(Compression.Gzip, true, ParquetDataPageVersion.V1)]
    [InlineData(Compression.Zstd, false, ParquetDataPageVersion.V1)]
    [InlineData(Compression.Brotli, true, ParquetDataPageVersion.V1)]
    [InlineData(Compression.Uncompressed, false, ParquetDataPageVersion.V2)]
    [InlineData(Compression.Snappy, true, ParquetDataPageVersion.V2)]
    [InlineData(Compression.Zstd, true, ParquetDataPageVersion.V2)]
    [InlineData(Compression.Gzip, false, ParquetDataPageVersion.V2)]
    public async Task TryRead_ArrowWrittenSmallPages_GivesParquetNetValues(Compression compression, bool dictionary, ParquetDataPageVersion pageVersion)
    {
        WriterPropertiesBuilder builder = new WriterPropertiesBuilder().Compression(compression).DataPageVersion(pageVersion).DataPagesize(2_048);
        builder = dictionary ? builder.EnableDictionary() : builder.DisableDictionary();
        string path = WriteArrow(builder, SampleIds());

        (string?[]? ours, string?[] expected) = await ReadBothAsync(path);

        Assert.NotNull(ours);
        Assert.Equal(expected, ours);
    }

    [Fact]
    public async Task TryRead_DictionaryOverflowsIntoPlainPages_GivesParquetNetValues()
    {
        WriterPropertiesBuilder builder = new WriterPropertiesBuilder().EnableDictionary().DictionaryPagesizeLimit(512).DataPagesize(1_024);
        string path = WriteArrow(builder, SampleIds());

        (string?[]? ours, string?[] expected) = await ReadBothAsync(path);

        Assert.NotNull(ours);
        Assert.Equal(expected, ours);
    }

    [Fact]
    public async Task TryRead_DeltaLengthEncodedPages_LeavesChunkToParquetNet()
    {
        WriterPropertiesBuilder builder = new WriterPropertiesBuilder().DisableDictionary().Encoding(ParquetSharp.Encoding.DeltaLengthByteArray);
        string path = WriteArrow(builder, SampleIds());

        (string?[]? ours, _) = await ReadBothAsync(path);

        Assert.Null(ours);
    }

    [Fact]
    public async Task TryRead_ParquetNetPlainPagesWithNulls_SharesOneStringPerDistinctValue()
    {
        string?[] ids = ["u-1", "u-1", null, "u-2", "u-1", string.Empty, "u-2", null];
        string path = await ParquetNetLog.WriteAsync(_folder.Combine("plain.parquet"), (new DataField<string>("user_id"), ids));

        (string?[]? ours, string?[] expected) = await ReadBothAsync(path);

        Assert.Equal(expected, ours!);
        Assert.Same(ours![0], ours[4]);
        Assert.Same(ours[3], ours[6]);
    }

    [Theory]
    [InlineData(true, ParquetDataPageVersion.V1)]
    [InlineData(false, ParquetDataPageVersion.V1)]
    [InlineData(true, ParquetDataPageVersion.V2)]
    [InlineData(false, ParquetDataPageVersion.V2)]
    public async Task TryReadIntegers_Int64AndInt32WithNulls_GivesParquetNetValues(bool dictionary, ParquetDataPageVersion pageVersion)
    {
        var random = new Random(11);
        long?[] longs = [.. Enumerable.Range(0, Rows).Select(_ => random.Next(20) == 0 ? (long?)null : random.NextInt64(-5_000, 5_000) * 1_000_003)];
        int?[] ints = [.. Enumerable.Range(0, Rows).Select(_ => random.Next(20) == 0 ? (int?)null : random.Next(-300, 300))];
        string path = WriteArrowColumns(Properties(dictionary, pageVersion), (new Column<long?>("a"), longs), (new Column<int?>("b"), ints));

        await using FileStream stream = File.OpenRead(path);
        await using ParquetReader reader = await ParquetReader.CreateAsync(stream, new ParquetOptions { TreatByteArrayAsString = false });
        ParquetRowGroupReader rowGroup = reader.RowGroups[0];
        var chunks = new ColumnChunkReader(stream, new BatchArrays(), reader.Metadata);
        (long[] Values, bool[]? IsNull)? a = await chunks.TryReadIntegersAsync(rowGroup, reader.Schema.DataFields[0], Rows, CancellationToken.None);
        (long[] Values, bool[]? IsNull)? b = await chunks.TryReadIntegersAsync(rowGroup, reader.Schema.DataFields[1], Rows, CancellationToken.None);

        Assert.Equal(longs, Nullable(a!.Value));
        Assert.Equal(ints.Select(value => (long?)value), Nullable(b!.Value));
    }

    [Theory]
    [InlineData(TimeUnit.Millis)]
    [InlineData(TimeUnit.Micros)]
    [InlineData(TimeUnit.Nanos)]
    public async Task TryReadTimes_Int64TimestampsAroundEpochWithNulls_GivesMicrosOfParquetNetDateTimes(TimeUnit unit)
    {
        // Times before 1970 with sub-unit parts are where truncating and flooring differ.
        var random = new Random(13);
        long[] raw = [.. Enumerable.Range(0, Rows).Select(_ => random.NextInt64(-4_000_000_000_000_000_000, 4_000_000_000_000_000_000))];
        long scale = unit switch { TimeUnit.Millis => 1_000_000, TimeUnit.Micros => 1_000, _ => 1 };
        DateTimeNanos?[] nanos = [.. raw.Select((value, row) => row % 17 == 0 ? (DateTimeNanos?)null : new DateTimeNanos(value / scale * scale))];
        Column column = unit == TimeUnit.Nanos
            ? new Column<DateTimeNanos?>("t", LogicalType.Timestamp(true, unit))
            : new Column<DateTime?>("t", LogicalType.Timestamp(true, unit));
        Array values = unit == TimeUnit.Nanos ? nanos : nanos.Select(value => value?.DateTime).ToArray();
        string path = WriteArrowColumns(Properties(dictionary: false, ParquetDataPageVersion.V1), (column, values));

        (long[] ours, long[] expected) = await ReadTimesBothAsync(path);

        Assert.Equal(expected, ours);
    }

    [Fact]
    public async Task TryReadTimes_Int96AndDates_GivesMicrosOfParquetNetDateTimes()
    {
        var random = new Random(17);
        Int96?[] int96 = [.. Enumerable.Range(0, Rows).Select(row => row % 13 == 0 ? (Int96?)null
            : Int96Of(random.Next(2_000_000, 2_600_000), random.NextInt64(0, 86_400_000_000_000)))];
        Date?[] dates = [.. Enumerable.Range(0, Rows).Select(row => row % 11 == 0 ? (Date?)null : new Date(random.Next(-20_000, 40_000)))];
        string path = WriteArrowColumns(Properties(dictionary: true, ParquetDataPageVersion.V1), (new Column<Int96?>("t"), int96), (new Column<Date?>("d"), dates));

        (long[] ours, long[] expected) = await ReadTimesBothAsync(path);
        (long[] oursDates, long[] expectedDates) = await ReadTimesBothAsync(path, column: 1);

        Assert.Equal(expected, ours);
        Assert.Equal(expectedDates, oursDates);
    }

    [Fact]
    public void Decode_BitPackedRunThenRleRun_GivesValuesInOrder()
    {
        // The format's own example: 0..7 bit-packed at width 3 (one group), then a run of five 4s.
        byte[] data = [0x03, 0x88, 0xC6, 0xFA, 0x0A, 0x04];
        var values = new int[13];

        RleBitPackedHybrid.Decode(data, 3, values);

        Assert.Equal([0, 1, 2, 3, 4, 5, 6, 7, 4, 4, 4, 4, 4], values);
    }

    [Fact]
    public void Decode_DataEndsBeforeAllValues_ThrowsInvalidData()
    {
        byte[] data = [0x0A, 0x04];
        var values = new int[6];

        Assert.Throws<InvalidDataException>(() => RleBitPackedHybrid.Decode(data, 3, values));
    }

    /// <summary>Repeats, nulls, empty and non-ASCII values, and enough distinct ids to fill several pages.</summary>
    private static string?[] SampleIds()
    {
        var random = new Random(7);
        string[] special = [string.Empty, "žluťoučký kůň", "用户", "emoji-\U0001F600", " padded "];
        var ids = new string?[Rows];
        for (int row = 0; row < Rows; row++)
        {
            int roll = random.Next(100);
            ids[row] = roll < 5 ? null : roll < 10 ? special[random.Next(special.Length)] : $"user-{random.Next(400):D6}";
        }

        return ids;
    }

    private static WriterPropertiesBuilder Properties(bool dictionary, ParquetDataPageVersion pageVersion)
    {
        WriterPropertiesBuilder builder = new WriterPropertiesBuilder().Compression(Compression.Snappy).DataPageVersion(pageVersion).DataPagesize(2_048);
        return dictionary ? builder.EnableDictionary() : builder.DisableDictionary();
    }

    private static Int96 Int96Of(int julianDay, long nanosOfDay) => new(unchecked((int)nanosOfDay), (int)(nanosOfDay >> 32), julianDay);

    private static IEnumerable<long?> Nullable((long[] Values, bool[]? IsNull) column) =>
        column.Values.Select((value, row) => column.IsNull is not null && column.IsNull[row] ? (long?)null : value);

    private string WriteArrowColumns(WriterPropertiesBuilder builder, params (Column Column, Array Values)[] columns)
    {
        string path = _folder.Combine($"{Guid.NewGuid():N}.parquet");
        using (WriterProperties properties = builder.Build())
        using (var writer = new ParquetFileWriter(path, columns.Select(column => column.Column).ToArray(), properties))
        {
            using RowGroupWriter rowGroup = writer.AppendRowGroup();
            foreach ((_, Array values) in columns)
            {
                using ColumnWriter column = rowGroup.NextColumn();
                column.Apply(new BatchWriter(values));
            }

            writer.Close();
        }

        builder.Dispose();
        return path;
    }

    private static async Task<(long[] Ours, long[] Expected)> ReadTimesBothAsync(string path, int column = 0)
    {
        await using FileStream stream = File.OpenRead(path);
        await using ParquetReader reader = await ParquetReader.CreateAsync(stream, new ParquetOptions { TreatByteArrayAsString = false });
        DataField field = reader.Schema.DataFields[column];
        ParquetRowGroupReader rowGroup = reader.RowGroups[0];
        int count = (int)rowGroup.RowCount;
        var times = new DateTime?[count];
        await rowGroup.ReadAsync(field, times.AsMemory());
        long[] expected = [.. times.Select(time => time is { } value ? EpochTimestamps.FloorDivide(value.Ticks - DateTime.UnixEpoch.Ticks, 10) : 0)];

        (long[] Values, bool[]? IsNull)? ours = await new ColumnChunkReader(stream, new BatchArrays(), reader.Metadata)
            .TryReadTimesAsync(rowGroup, field, count, CancellationToken.None);
        Assert.NotNull(ours);
        Assert.Equal(times.Select(time => time is null), ours.Value.IsNull ?? new bool[count]);
        return (ours.Value.Values, expected);
    }

    /// <summary>Writes a column of any of the element types used here through ParquetSharp's logical writer.</summary>
    private sealed class BatchWriter(Array values) : IColumnWriterVisitor<bool>
    {
        public bool OnColumnWriter<TValue>(ColumnWriter<TValue> columnWriter)
            where TValue : unmanaged
        {
            switch (values)
            {
                case long?[] longs:
                    columnWriter.LogicalWriter<long?>().WriteBatch(longs);
                    break;
                case int?[] ints:
                    columnWriter.LogicalWriter<int?>().WriteBatch(ints);
                    break;
                case DateTime?[] times:
                    columnWriter.LogicalWriter<DateTime?>().WriteBatch(times);
                    break;
                case DateTimeNanos?[] nanos:
                    columnWriter.LogicalWriter<DateTimeNanos?>().WriteBatch(nanos);
                    break;
                case Int96?[] int96:
                    columnWriter.LogicalWriter<Int96?>().WriteBatch(int96);
                    break;
                case Date?[] dates:
                    columnWriter.LogicalWriter<Date?>().WriteBatch(dates);
                    break;
                default:
                    throw new ArgumentException($"No writer for {values.GetType()}");
            }

            return true;
        }
    }

    private string WriteArrow(WriterPropertiesBuilder builder, string?[] ids)
    {
        string path = _folder.Combine($"{Guid.NewGuid():N}.parquet");
        using (WriterProperties properties = builder.Build())
        using (var writer = new ParquetFileWriter(path, [new Column<string>("user_id")], properties))
        {
            using RowGroupWriter rowGroup = writer.AppendRowGroup();
            using (LogicalColumnWriter<string> column = rowGroup.NextColumn().LogicalWriter<string>())
            {
                column.WriteBatch(ids!);
            }

            writer.Close();
        }

        builder.Dispose();
        return path;
    }

    private static async Task<(string?[]? Ours, string?[] Expected)> ReadBothAsync(string path)
    {
        await using FileStream stream = File.OpenRead(path);
        await using ParquetReader reader = await ParquetReader.CreateAsync(stream, new ParquetOptions { TreatByteArrayAsString = false });
        DataField field = reader.Schema.GetDataFields()[0];
        ParquetRowGroupReader rowGroup = reader.RowGroups[0];
        int count = (int)rowGroup.RowCount;
        var expected = new string?[count];
        await rowGroup.ReadAsync(field, expected.AsMemory());

        string?[]? ours = await new ColumnChunkReader(stream, new BatchArrays(), reader.Metadata).TryReadTextAsync(rowGroup, field, count, CancellationToken.None);
        return (ours, expected);
    }
}
