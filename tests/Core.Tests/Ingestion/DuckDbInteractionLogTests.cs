using Recommender.Core.Ingestion;
using Recommender.Core.Tests.TestSupport;

namespace Recommender.Core.Tests.Ingestion;

/// <summary>Logs written by DuckDB: every column nullable, its own type choices (TIMESTAMP_NS, UBIGINT, UUID ...).</summary>
public sealed class DuckDbInteractionLogTests : IDisposable
{
    private readonly TempDirectory _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Read_VarcharIdsWithNull_KeepsStringsAndNull()
    {
        string path = Write("SELECT * FROM (VALUES ('u1', 'i1'), (NULL, 'i2'), ('u3', NULL)) t(user_id, item_id)");

        InteractionBatch batch = await LogReading.ReadSingleBatchAsync(path);

        Assert.Equal(["u1", null, "u3"], batch.Users.Strings!.AsEnumerable());
        Assert.Equal(["i1", "i2", null], batch.Items.Strings!.AsEnumerable());
        Assert.Null(batch.Users.Numbers);
    }

    [Fact]
    public async Task Read_BigintIdsBeyondInt32WithNull_KeepsNumbersAndMarksNull()
    {
        string path = Write("SELECT * FROM (VALUES (9000000000123::BIGINT, -5::BIGINT), (NULL, 7)) t(user_id, item_id)");

        InteractionBatch batch = await LogReading.ReadSingleBatchAsync(path);

        Assert.Equal([9_000_000_000_123L, 0L], batch.Users.Numbers!);
        Assert.Equal([false, true], batch.Users.IsNull!);
        Assert.Equal([-5L, 7L], batch.Items.Numbers!);
        Assert.Null(batch.Items.IsNull);
    }

    [Theory]
    [InlineData("INTEGER")]
    [InlineData("SMALLINT")]
    [InlineData("TINYINT")]
    [InlineData("UINTEGER")]
    [InlineData("USMALLINT")]
    [InlineData("UTINYINT")]
    public async Task Read_IntegerIdType_GivesNumbers(string sqlType)
    {
        string path = Write($"SELECT 7::{sqlType} AS user_id, 120::{sqlType} AS item_id");

        InteractionBatch batch = await LogReading.ReadSingleBatchAsync(path);

        Assert.Equal([7L], batch.Users.Numbers!);
        Assert.Equal([120L], batch.Items.Numbers!);
    }

    [Fact]
    public async Task Read_UbigintIdsBeyondInt64_GivesExactText()
    {
        string path = Write("SELECT 18446744073709551615::UBIGINT AS user_id, 1::UBIGINT AS item_id");

        InteractionBatch batch = await LogReading.ReadSingleBatchAsync(path);

        Assert.Equal(["18446744073709551615"], batch.Users.Strings!.AsEnumerable());
        Assert.Equal(["1"], batch.Items.Strings!.AsEnumerable());
    }

    [Fact]
    public async Task Read_UuidIds_GivesCanonicalText()
    {
        string path = Write("SELECT '6f1c2a9e-0b1d-4c5e-9f00-123456789abc'::UUID AS user_id, 'x' AS item_id");

        InteractionBatch batch = await LogReading.ReadSingleBatchAsync(path);

        Assert.Equal(["6f1c2a9e-0b1d-4c5e-9f00-123456789abc"], batch.Users.Strings!.AsEnumerable());
    }

    [Theory]
    [InlineData("TIMESTAMP '2020-01-02 03:04:05.123456'", 123456)]
    [InlineData("'2020-01-02 03:04:05.123'::TIMESTAMP_MS", 123000)]
    [InlineData("'2020-01-02 03:04:05.123456789'::TIMESTAMP_NS", 123456)]
    [InlineData("'2020-01-02 03:04:05'::TIMESTAMP_S", 0)]
    [InlineData("TIMESTAMPTZ '2020-01-02 03:04:05.123456+00'", 123456)]
    public async Task Read_TimestampType_GivesMicrosSinceEpoch(string sqlValue, int microsecond)
    {
        string path = Write($"SELECT 1 AS user_id, 2 AS item_id, {sqlValue} AS event_time");

        (InteractionLogSchema schema, IReadOnlyList<InteractionBatch> batches) = await LogReading.ReadAllAsync(path);

        Assert.Equal([LogReading.Micros(2020, 1, 2, 3, 4, 5, microsecond)], Assert.Single(batches).TimestampsMicros!);
        Assert.Equal("event_time", schema.Timestamp!.Name);
        Assert.Null(schema.EpochUnit);
    }

    [Fact]
    public async Task Read_DateColumnWithNull_GivesMidnightMicrosAndMissing()
    {
        string path = Write("SELECT * FROM (VALUES (1, 2, DATE '2020-01-02'), (1, 3, DATE '1969-12-31'), (1, 4, NULL)) t(user_id, item_id, date)");

        InteractionBatch batch = await LogReading.ReadSingleBatchAsync(path);

        Assert.Equal([LogReading.Micros(2020, 1, 2), -86_400_000_000L, InteractionBatch.MissingTimestamp], batch.TimestampsMicros!);
    }

    [Theory]
    [InlineData(1_577_934_245L, TimestampUnit.Seconds, 1_577_934_245_000_000L)]
    [InlineData(1_577_934_245_123L, TimestampUnit.Milliseconds, 1_577_934_245_123_000L)]
    [InlineData(1_577_934_245_123_456L, TimestampUnit.Microseconds, 1_577_934_245_123_456L)]
    [InlineData(1_577_934_245_123_456_789L, TimestampUnit.Nanoseconds, 1_577_934_245_123_456L)]
    public async Task Read_BigintEpochColumn_DetectsUnitFromMagnitude(long value, TimestampUnit unit, long expectedMicros)
    {
        string path = Write($"SELECT * FROM (VALUES (1, 2, {value}::BIGINT), (1, 3, 0::BIGINT)) t(user_id, item_id, ts)");

        (InteractionLogSchema schema, IReadOnlyList<InteractionBatch> batches) = await LogReading.ReadAllAsync(path);

        Assert.Equal([expectedMicros, 0L], Assert.Single(batches).TimestampsMicros!);
        Assert.Equal(unit, schema.EpochUnit);
        Assert.True(schema.EpochUnitDetected);
    }

    [Fact]
    public async Task Read_IntegerEpochSeconds_DetectsSeconds()
    {
        string path = Write("SELECT 1 AS user_id, 2 AS item_id, 881250949::INTEGER AS timestamp");

        (InteractionLogSchema schema, IReadOnlyList<InteractionBatch> batches) = await LogReading.ReadAllAsync(path);

        Assert.Equal([881_250_949_000_000L], Assert.Single(batches).TimestampsMicros!);
        Assert.Equal(TimestampUnit.Seconds, schema.EpochUnit);
    }

    [Theory]
    [InlineData("3.25::DECIMAL(5,2)", 3.25f)]
    [InlineData("4.125::DECIMAL(15,3)", 4.125f)]
    [InlineData("5.5::DECIMAL(30,4)", 5.5f)]
    [InlineData("2.5::DOUBLE", 2.5f)]
    [InlineData("1.5::FLOAT", 1.5f)]
    [InlineData("4::INTEGER", 4f)]
    [InlineData("5::BIGINT", 5f)]
    [InlineData("3::TINYINT", 3f)]
    public async Task Read_NumericValueTypeWithNull_GivesFloatAndNaN(string sqlValue, float expected)
    {
        string path = Write($"SELECT * FROM (VALUES (1, 2, {sqlValue}), (1, 3, NULL)) t(user_id, item_id, rating)");

        InteractionBatch batch = await LogReading.ReadSingleBatchAsync(path);

        Assert.Equal(expected, batch.Values![0]);
        Assert.True(float.IsNaN(batch.Values[1]));
    }

    [Fact]
    public async Task Read_EventTypeColumn_GivesStringsAndNull()
    {
        string path = Write("SELECT * FROM (VALUES (1, 2, 'view'), (1, 3, 'purchase'), (1, 4, NULL)) t(visitorid, itemid, event)");

        (InteractionLogSchema schema, IReadOnlyList<InteractionBatch> batches) = await LogReading.ReadAllAsync(path);

        Assert.Equal(["view", "purchase", null], Assert.Single(batches).EventTypes!.AsEnumerable());
        Assert.Equal(("visitorid", "itemid", "event"), (schema.User.Name, schema.Item.Name, schema.EventType!.Name));
    }

    [Fact]
    public async Task Read_ColumnsInOtherRolesAreNested_IgnoresThem()
    {
        string path = Write("SELECT 1 AS user_id, 2 AS item_id, {'kind': 'view'} AS event, [1, 2] AS tags, MAP {'k': 1} AS props");

        (InteractionLogSchema schema, IReadOnlyList<InteractionBatch> batches) = await LogReading.ReadAllAsync(path);

        Assert.Null(schema.EventType);
        Assert.Null(Assert.Single(batches).EventTypes);
    }

    [Theory]
    [InlineData("[1, 2]", "list")]
    [InlineData("{'id': 1}", "struct")]
    [InlineData("MAP {'k': 1}", "map")]
    public async Task Read_UserIdColumnIsNested_RejectsNamingColumnAndKind(string sqlValue, string kind)
    {
        string path = Write($"SELECT {sqlValue} AS user_id, 2 AS item_id");

        InvalidInteractionLogException error = await LogReading.RejectAsync(path);

        Assert.Equal("user_id", error.Field);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains($"nested column ({kind})", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Read_MappingNamesNestedColumn_RejectsNamingIt()
    {
        string path = Write("SELECT 1 AS user_id, 2 AS item_id, {'kind': 'view'} AS details");

        InvalidInteractionLogException error = await LogReading.RejectAsync(path, new ColumnMapping { EventTypeColumn = "details" });

        Assert.Equal("details", error.Field);
        Assert.Contains("nested column (struct)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Read_QueryWithNoRows_RejectsAsContainingNoRows()
    {
        string path = Write("SELECT 1 AS user_id, 2 AS item_id WHERE false");

        InvalidInteractionLogException error = await LogReading.RejectAsync(path);

        Assert.Equal($"{path}: contains no rows", error.Message);
    }

    [Fact]
    public async Task Read_SeveralRowGroups_GivesOneBatchPerRowGroupCoveringEveryRow()
    {
        string path = DuckDbParquet.Write(_folder.Combine("groups.parquet"),
            "SELECT i AS user_id, i * 10 AS item_id FROM range(300000) t(i)", rowGroupSize: 100_000);
        await using (InteractionLog log = await new InteractionLogReader().OpenAsync(path, ColumnMapping.AutoDetect))
        {
            Assert.True(log.RowGroupCount > 1, $"DuckDB wrote {log.RowGroupCount} row group(s)");
        }

        (_, IReadOnlyList<InteractionBatch> batches) = await LogReading.ReadAllAsync(path);

        Assert.True(batches.Count > 1);
        Assert.Equal(300_000, batches.Sum(batch => batch.Count));
        Assert.Equal(Enumerable.Range(0, 300_000).Select(i => (long)i), batches.SelectMany(batch => batch.Users.Numbers!));
        Assert.Equal(batches.Select(batch => batch.FirstRow), RunningStarts(batches));
    }

    private static IEnumerable<long> RunningStarts(IReadOnlyList<InteractionBatch> batches)
    {
        long start = 0;
        foreach (InteractionBatch batch in batches)
        {
            yield return start;
            start += batch.Count;
        }
    }

    private string Write(string select) => DuckDbParquet.Write(_folder.Combine($"{Guid.NewGuid():N}.parquet"), select);
}
