using ParquetSharp;
using Recommender.Core.Ingestion;
using Recommender.Core.Tests.TestSupport;

namespace Recommender.Core.Tests.Ingestion;

/// <summary>
/// Logs written by the Arrow C++ writer (through ParquetSharp): required columns, dictionary pages,
/// snappy, several row groups, every TIMESTAMP unit, INT96 and DATE.
/// </summary>
public sealed class ParquetSharpInteractionLogTests : IDisposable
{
    private static readonly DateTime EventTime = new DateTime(2020, 1, 2, 3, 4, 5, DateTimeKind.Utc).AddTicks(1_234_567);

    private readonly TempDirectory _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Read_ThreeRowGroupsDictionarySnappy_GivesOneBatchPerRowGroupWithExactValues()
    {
        string path = _folder.Combine("groups.parquet");
        string[] users = ["alice", "bob", "alice", "carol", "bob", "alice", "dave"];
        int[] items = [10, 20, 10, 30, 20, 40, 10];
        float[] ratings = [5, 3.5f, 4, 1, 2, 4.5f, 3];
        var columns = new Column[] { new Column<string>("user_id"), new Column<int>("item_id"), new Column<float>("rating") };
        using (WriterProperties properties = new WriterPropertiesBuilder().Compression(Compression.Snappy).EnableDictionary().Build())
        using (var writer = new ParquetFileWriter(path, columns, properties))
        {
            foreach (Range range in new[] { 0..3, 3..5, 5..7 })
            {
                using RowGroupWriter rowGroup = writer.AppendRowGroup();
                Write(rowGroup, users[range]);
                Write(rowGroup, items[range]);
                Write(rowGroup, ratings[range]);
            }

            writer.Close();
        }

        (_, IReadOnlyList<InteractionBatch> batches) = await LogReading.ReadAllAsync(path);

        Assert.Equal([3, 2, 2], batches.Select(batch => batch.Count));
        Assert.Equal([0L, 3L, 5L], batches.Select(batch => batch.FirstRow));
        Assert.Equal(users, batches.SelectMany(batch => batch.Users.Strings!));
        Assert.Equal(items.Select(item => (long)item), batches.SelectMany(batch => batch.Items.Numbers!));
        Assert.Equal(ratings, batches.SelectMany(batch => batch.Values!));
        Assert.All(batches, batch => Assert.Equal(path, batch.Source));
    }

    [Fact]
    public async Task Write_DictionaryEnabled_UsesDictionaryPagesTheReaderMustDecode()
    {
        string path = _folder.Combine("dictionary.parquet");
        var columns = new Column[] { new Column<string>("user_id"), new Column<int>("item_id") };
        using (WriterProperties properties = new WriterPropertiesBuilder().Compression(Compression.Snappy).EnableDictionary().Build())
        using (var writer = new ParquetFileWriter(path, columns, properties))
        {
            using RowGroupWriter rowGroup = writer.AppendRowGroup();
            Write(rowGroup, Enumerable.Repeat("same-user", 100).ToArray());
            Write(rowGroup, Enumerable.Range(0, 100).Select(i => i % 3).ToArray());
            writer.Close();
        }

        using (var file = new ParquetFileReader(path))
        using (RowGroupReader rowGroup = file.RowGroup(0))
        {
            Assert.Contains(Encoding.RleDictionary, rowGroup.MetaData.GetColumnChunkMetaData(0).Encodings);
            Assert.Equal(Compression.Snappy, rowGroup.MetaData.GetColumnChunkMetaData(0).Compression);
        }

        InteractionBatch batch = await LogReading.ReadSingleBatchAsync(path);

        Assert.All(batch.Users.Strings!, user => Assert.Equal("same-user", user));
        Assert.Equal(Enumerable.Range(0, 100).Select(i => (long)(i % 3)), batch.Items.Numbers!);
    }

    [Theory]
    [InlineData(TimeUnit.Millis, 123_000)]
    [InlineData(TimeUnit.Micros, 123_456)]
    public async Task Read_TimestampColumnInUnit_GivesMicrosSinceEpoch(TimeUnit unit, int microsecond)
    {
        string path = WriteWithTimestamp(new Column<DateTime>("timestamp", LogicalType.Timestamp(true, unit)), EventTime);

        (InteractionLogSchema schema, IReadOnlyList<InteractionBatch> batches) = await LogReading.ReadAllAsync(path);

        Assert.Equal([LogReading.Micros(2020, 1, 2, 3, 4, 5, microsecond)], Assert.Single(batches).TimestampsMicros!);
        Assert.Equal($"INT64 TIMESTAMP({unit.ToString().ToUpperInvariant()})", schema.Timestamp!.ParquetType);
    }

    [Fact]
    public async Task Read_TimestampNanos_TruncatesToMicros()
    {
        string path = WriteWithTimestamp(new Column<DateTimeNanos>("timestamp", LogicalType.Timestamp(true, TimeUnit.Nanos)),
            new DateTimeNanos(1_577_934_245_123_456_789));

        InteractionBatch batch = await LogReading.ReadSingleBatchAsync(path);

        Assert.Equal([1_577_934_245_123_456L], batch.TimestampsMicros!);
    }

    [Fact]
    public async Task Read_NullableTimestampWithNull_GivesMissingTimestamp()
    {
        string path = WriteWithTimestamp(new Column<DateTime?>("timestamp", LogicalType.Timestamp(false, TimeUnit.Micros)), (DateTime?)null);

        InteractionBatch batch = await LogReading.ReadSingleBatchAsync(path);

        Assert.Equal([InteractionBatch.MissingTimestamp], batch.TimestampsMicros!);
    }

    [Fact]
    public async Task Read_Int96Timestamp_GivesMicrosSinceEpoch()
    {
        // INT96 holds nanoseconds within the day (low 8 bytes) and the Julian day (high 4 bytes); 2020-01-02 is day 2458851.
        long nanosOfDay = ((((3L * 60) + 4) * 60) + 5) * 1_000_000_000 + 123_456_789;
        var int96 = new Int96(unchecked((int)nanosOfDay), (int)(nanosOfDay >> 32), 2_458_851);
        string path = WriteWithTimestamp(new Column<Int96>("timestamp"), int96);

        (InteractionLogSchema schema, IReadOnlyList<InteractionBatch> batches) = await LogReading.ReadAllAsync(path);

        Assert.Equal([LogReading.Micros(2020, 1, 2, 3, 4, 5, 123_456)], Assert.Single(batches).TimestampsMicros!);
        Assert.Equal("INT96", schema.Timestamp!.ParquetType);
    }

    [Fact]
    public async Task Read_DateColumn_GivesMidnightMicros()
    {
        string path = WriteWithTimestamp(new Column<Date>("date"), new Date(2020, 1, 2));

        InteractionBatch batch = await LogReading.ReadSingleBatchAsync(path);

        Assert.Equal([LogReading.Micros(2020, 1, 2)], batch.TimestampsMicros!);
    }

    [Fact]
    public async Task Read_RequiredInt64EpochMillis_DetectsMillisFromStatistics()
    {
        string path = WriteWithTimestamp(new Column<long>("created_at"), 1_577_934_245_123L);

        (InteractionLogSchema schema, IReadOnlyList<InteractionBatch> batches) = await LogReading.ReadAllAsync(path);

        Assert.Equal([1_577_934_245_123_000L], Assert.Single(batches).TimestampsMicros!);
        Assert.Equal((TimestampUnit.Milliseconds, true), (schema.EpochUnit, schema.EpochUnitDetected));
    }

    [Fact]
    public async Task Read_EpochMicrosWithoutStatistics_DetectsMicrosFromValues()
    {
        string path = WriteWithTimestamp(new Column<long>("ts"), 1_577_934_245_123_456L, statistics: false);
        await using (var parquet = await Parquet.ParquetReader.CreateAsync(path, null, default))
        {
            Assert.Null(parquet.RowGroups[0].GetStatistics(parquet.Schema.DataFields[2])?.MaxValue);
        }

        (InteractionLogSchema schema, IReadOnlyList<InteractionBatch> batches) = await LogReading.ReadAllAsync(path);

        Assert.Equal([1_577_934_245_123_456L], Assert.Single(batches).TimestampsMicros!);
        Assert.Equal((TimestampUnit.Microseconds, true), (schema.EpochUnit, schema.EpochUnitDetected));
    }

    private string WriteWithTimestamp<T>(Column timestampColumn, T timestamp, bool statistics = true)
    {
        string path = _folder.Combine($"{Guid.NewGuid():N}.parquet");
        var columns = new Column[] { new Column<long>("user_id"), new Column<long>("item_id"), timestampColumn };
        WriterPropertiesBuilder builder = new WriterPropertiesBuilder().Compression(Compression.Snappy);
        using WriterProperties properties = (statistics ? builder.EnableStatistics() : builder.DisableStatistics()).Build();
        using var writer = new ParquetFileWriter(path, columns, properties);
        using (RowGroupWriter rowGroup = writer.AppendRowGroup())
        {
            Write(rowGroup, new[] { 1L });
            Write(rowGroup, new[] { 2L });
            Write(rowGroup, new[] { timestamp });
        }

        writer.Close();
        return path;
    }

    private static void Write<T>(RowGroupWriter rowGroup, T[] values)
    {
        using LogicalColumnWriter<T> column = rowGroup.NextColumn().LogicalWriter<T>();
        column.WriteBatch(values);
    }
}
