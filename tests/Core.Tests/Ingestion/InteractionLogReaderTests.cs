using System.Security.Cryptography;
using Parquet.Schema;
using Recommender.Core.Ingestion;
using Recommender.Core.Tests.TestSupport;

namespace Recommender.Core.Tests.Ingestion;

/// <summary>The reader on MovieLens and on logs written by Parquet.Net: mapping, detection, streaming, read-only access.</summary>
public sealed class InteractionLogReaderTests : IDisposable
{
    private readonly TempDirectory _folder = new();

    public void Dispose() => _folder.Dispose();

    [SkippableFact]
    public async Task ReadAsync_MovieLensAsParquet_Gives100000RowsEqualToUData()
    {
        string path = await MovieLensParquet.GetPathAsync();
        IReadOnlyList<MovieLensRating> expected = MovieLensParquet.ReadRatings();
        var batches = new List<InteractionBatch>();

        await using (FileStream stream = File.OpenRead(path))
        {
            await foreach (InteractionBatch batch in new InteractionLogReader().ReadAsync(stream, "movielens.parquet", ColumnMapping.AutoDetect))
            {
                batches.Add(batch);
            }
        }

        Assert.Equal(MovieLensParquet.RowCount, batches.Sum(batch => batch.Count));
        Assert.Equal(MovieLensParquet.RowCount / MovieLensParquet.RowsPerGroup, batches.Count);
        Assert.Equal(expected.Select(r => (long)r.User), batches.SelectMany(batch => batch.Users.Numbers!));
        Assert.Equal(expected.Select(r => (long)r.Item), batches.SelectMany(batch => batch.Items.Numbers!));
        Assert.Equal(expected.Select(r => (float)r.Rating), batches.SelectMany(batch => batch.Values!));
        Assert.Equal(expected.Select(r => r.UnixSeconds * 1_000_000), batches.SelectMany(batch => batch.TimestampsMicros!));
        Assert.Equal(943, batches.SelectMany(batch => batch.Users.Numbers!).Distinct().Count());
        Assert.Equal(1682, batches.SelectMany(batch => batch.Items.Numbers!).Distinct().Count());
    }

    [SkippableFact]
    public async Task OpenAsync_MovieLensAsParquet_ResolvesSchemaBeforeReadingRows()
    {
        string path = await MovieLensParquet.GetPathAsync();

        await using InteractionLog log = await new InteractionLogReader().OpenAsync(path, ColumnMapping.AutoDetect);

        Assert.Equal(new InteractionLogColumn("user_id", "INT32", Detected: true), log.Schema.User);
        Assert.Equal(new InteractionLogColumn("item_id", "INT32", Detected: true), log.Schema.Item);
        Assert.Equal("rating", log.Schema.Value!.Name);
        Assert.Null(log.Schema.EventType);
        Assert.Equal(new InteractionLogColumn("timestamp", "INT64", Detected: true), log.Schema.Timestamp);
        Assert.Equal((TimestampUnit.Seconds, true), (log.Schema.EpochUnit, log.Schema.EpochUnitDetected));
        Assert.Equal((100_000L, 4), (log.RowCount, log.RowGroupCount));
    }

    [SkippableFact]
    public async Task ReadRowGroupAsync_LastRowGroup_StartsAtItsFirstRow()
    {
        string path = await MovieLensParquet.GetPathAsync();
        await using InteractionLog log = await new InteractionLogReader().OpenAsync(path, ColumnMapping.AutoDetect);

        InteractionBatch batch = await log.ReadRowGroupAsync(3);

        Assert.Equal(75_000, batch.FirstRow);
        Assert.Equal(MovieLensParquet.ReadRatings()[75_000].User, batch.Users.Numbers![0]);
    }

    [SkippableFact]
    public async Task ReadAsync_AnyLog_LeavesFileBytesAndWriteTimeUnchanged()
    {
        string path = _folder.Combine("copy.parquet");
        File.Copy(await MovieLensParquet.GetPathAsync(), path);
        File.SetAttributes(path, FileAttributes.ReadOnly);
        byte[] before = SHA256.HashData(File.ReadAllBytes(path));
        DateTime writtenBefore = File.GetLastWriteTimeUtc(path);

        await LogReading.ReadAllAsync(path);

        Assert.Equal(before, SHA256.HashData(File.ReadAllBytes(path)));
        Assert.Equal(writtenBefore, File.GetLastWriteTimeUtc(path));
        File.SetAttributes(path, FileAttributes.Normal);
    }

    [Fact]
    public async Task ReadAsync_TimestampFieldWrittenByParquetNet_GivesMicrosSinceEpoch()
    {
        var time = new DateTime(2021, 6, 7, 8, 9, 10, 345, DateTimeKind.Utc);
        string path = await ParquetNetLog.WriteAsync(_folder.Combine("times.parquet"),
            (new DataField<int>("userId"), new[] { 1 }),
            (new DataField<int>("movieId"), new[] { 2 }),
            (new DateTimeDataField("event_time", DateTimeFormat.DateAndTime), new[] { time }));

        InteractionBatch batch = await LogReading.ReadSingleBatchAsync(path);

        Assert.Equal([LogReading.Micros(2021, 6, 7, 8, 9, 10, 345_000)], batch.TimestampsMicros!);
    }

    [Fact]
    public async Task ReadAsync_AllIdsNull_KeepsEveryRowAsMissing()
    {
        string path = await ParquetNetLog.WriteAsync(_folder.Combine("null-ids.parquet"),
            (new DataField<int?>("user_id"), new int?[] { null, null }),
            (new DataField<string>("item_id", true), new string[] { null!, null! }));

        InteractionBatch batch = await LogReading.ReadSingleBatchAsync(path);

        Assert.Equal(2, batch.Count);
        Assert.True(batch.Users.IsMissing(0) && batch.Users.IsMissing(1));
        Assert.True(batch.Items.IsMissing(0) && batch.Items.IsMissing(1));
        Assert.Null(batch.Users.TextAt(1));
    }

    [Fact]
    public async Task ReadAsync_ExplicitMapping_WinsOverDetectedNames()
    {
        string path = await ParquetNetLog.WriteAsync(_folder.Combine("mapped.parquet"),
            (new DataField<int>("user_id"), new[] { 1 }),
            (new DataField<string>("customer"), new[] { "c-9" }),
            (new DataField<int>("item_id"), new[] { 2 }),
            (new DataField<double>("score"), new[] { 0.5 }),
            (new DataField<double>("rating"), new[] { 4.0 }));

        (InteractionLogSchema schema, IReadOnlyList<InteractionBatch> batches) = await LogReading.ReadAllAsync(path,
            new ColumnMapping { UserColumn = "customer", ValueColumn = "score" });

        InteractionBatch batch = Assert.Single(batches);
        Assert.Equal(["c-9"], batch.Users.Strings!.AsEnumerable());
        Assert.Equal([0.5f], batch.Values!);
        Assert.Equal(new InteractionLogColumn("customer", "BYTE_ARRAY STRING", Detected: false), schema.User);
    }

    [Fact]
    public async Task ReadAsync_ExplicitTimestampUnit_WinsOverDetection()
    {
        string path = await ParquetNetLog.WriteAsync(_folder.Combine("unit.parquet"),
            (new DataField<int>("user_id"), new[] { 1 }),
            (new DataField<int>("item_id"), new[] { 2 }),
            (new DataField<long>("ts"), new[] { 1_577_934_245L }));

        (InteractionLogSchema schema, IReadOnlyList<InteractionBatch> batches) = await LogReading.ReadAllAsync(path,
            new ColumnMapping { TimestampUnit = TimestampUnit.Milliseconds });

        Assert.Equal([1_577_934_245_000L], Assert.Single(batches).TimestampsMicros!);
        Assert.Equal((TimestampUnit.Milliseconds, false), (schema.EpochUnit, schema.EpochUnitDetected));
    }

    [Fact]
    public async Task ReadAsync_EmptyNameForOptionalRole_ReadsWithoutThatColumn()
    {
        string path = await ParquetNetLog.WriteAsync(_folder.Combine("no-time.parquet"),
            (new DataField<int>("user_id"), new[] { 1 }),
            (new DataField<int>("item_id"), new[] { 2 }),
            (new DataField<string>("timestamp"), new[] { "yesterday" }));

        (InteractionLogSchema schema, IReadOnlyList<InteractionBatch> batches) = await LogReading.ReadAllAsync(path,
            new ColumnMapping { TimestampColumn = "" });

        Assert.Null(schema.Timestamp);
        Assert.Null(Assert.Single(batches).TimestampsMicros);
    }

    [SkippableFact]
    public async Task ReadAsync_CancelledToken_StopsWithCancellation()
    {
        string path = await MovieLensParquet.GetPathAsync();
        using var cancellation = new CancellationTokenSource();
        await cancellation.CancelAsync();
        await using FileStream stream = File.OpenRead(path);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (InteractionBatch _ in new InteractionLogReader().ReadAsync(stream, path, ColumnMapping.AutoDetect, cancellation.Token))
            {
            }
        });
    }

    [Fact]
    public void ReadAsync_UnseekableStream_ThrowsNamingSource()
    {
        using var stream = new UnseekableStream();

        ArgumentException error = Assert.Throws<ArgumentException>(() =>
            new InteractionLogReader().ReadAsync(stream, "blob://logs/a.parquet", ColumnMapping.AutoDetect));

        Assert.Contains("blob://logs/a.parquet", error.Message, StringComparison.Ordinal);
    }

    private sealed class UnseekableStream : MemoryStream
    {
        public override bool CanSeek => false;
    }
}
