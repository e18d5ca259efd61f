using System.Globalization;
using System.Text;
using Parquet.Schema;
using ParquetSharp;
using Recommender.Core.Ingestion;
using Recommender.Core.Tests.Reliability;
using Recommender.Core.Tests.TestSupport;

namespace Recommender.Core.Tests.Ingestion;

/// <summary>
/// The page decoder (<see cref="ColumnChunkReader"/>) and Parquet.Net alone read every file the same way: the
/// same batches, value for value, or the same rejection. Run over the bad-input corpus and a matrix of writers,
/// column types, codecs, encodings and page versions.
/// </summary>
public sealed class ReadPathsAgreeTests : IDisposable
{
    private const string Rows = "range(2500) t(i)";

    private readonly TempDirectory _folder = new();

    public void Dispose() => _folder.Dispose();

    public static TheoryData<string> BadInputCases => BadInputCorpus.Names;

    public static TheoryData<string, string> DuckDbMatrix()
    {
        string[] selects =
        [
            $"select case when i % 97 = 0 then null else 'user-' || (i % 300) end as user_id, 'item-' || (i * 7 % 500) as item_id, (i % 5 + 1)::INTEGER as rating, 1577934245 + i as timestamp from {Rows}",
            $"select (i % 300)::BIGINT * 40000000000 as user_id, case when i % 89 = 0 then null else (i % 500)::INTEGER end as item_id, (i % 9) / 2.0 as rating, TIMESTAMP '2020-01-02 03:04:05.123456' + to_microseconds(i * 1000003) as timestamp from {Rows}",
            $"select (i % 300)::SMALLINT as user_id, (i % 500)::UINTEGER as item_id, (i % 7)::DECIMAL(9,2) / 3 as rating, (TIMESTAMP '2021-06-01' + to_seconds(i * 61))::TIMESTAMP_NS as ts from {Rows}",
            $"select uuid() as user_id, 18446744073709551615::UBIGINT - (i % 50) as item_id, (i % 3)::FLOAT as weight, (DATE '2020-01-01' + (i % 900)::INTEGER) as event_date from {Rows}",
            $"select 'u' || (i % 40) as user_id, 'i' || (i % 60) as item_id, case i % 3 when 0 then 'view' when 1 then 'click' else null end as event_type, (TIMESTAMP '2022-03-04' + to_milliseconds(i))::TIMESTAMP_MS as timestamp, (1577934245123 + i * 1000) as epoch_ms from {Rows}",
            $"select 'u' || (i % 40) as user_id, 'i' || (i % 60) as item_id, (TIMESTAMPTZ '2023-01-01 00:00:00+00' + to_seconds(i))::TIMESTAMP_S as timestamp from {Rows}",
        ];
        string[] codecs = ["COMPRESSION uncompressed", "COMPRESSION snappy", "COMPRESSION zstd", "COMPRESSION gzip"];
        var data = new TheoryData<string, string>();
        foreach (string select in selects)
        {
            foreach (string codec in codecs)
            {
                data.Add(select, codec);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(BadInputCases))]
    public async Task BadInputCorpus_BothPaths_ReadTheSameOrRejectTheSame(string name)
    {
        string folder = Directory.CreateDirectory(_folder.Combine(name)).FullName;
        IReadOnlyList<string> files = await BadInputCorpus.Get(name).WriteAsync(folder);

        foreach (string file in files)
        {
            await AssertBothPathsAgreeAsync(file);
        }
    }

    [Theory]
    [MemberData(nameof(DuckDbMatrix))]
    public async Task DuckDbWrittenLog_BothPaths_GiveTheSameBatches(string select, string copyOptions)
    {
        string path = DuckDbParquet.Write(_folder.Combine($"{Guid.NewGuid():N}.parquet"), select, rowGroupSize: 1_000, copyOptions);

        await AssertBothPathsAgreeAsync(path);
    }

    [Theory]
    [InlineData(Compression.Snappy, true, ParquetDataPageVersion.V1)]
    [InlineData(Compression.Zstd, false, ParquetDataPageVersion.V1)]
    [InlineData(Compression.Gzip, true, ParquetDataPageVersion.V2)]
    [InlineData(Compression.Uncompressed, false, ParquetDataPageVersion.V2)]
    public async Task ArrowWrittenLog_BothPaths_GiveTheSameBatches(Compression compression, bool dictionary, ParquetDataPageVersion pageVersion)
    {
        string path = _folder.Combine($"{Guid.NewGuid():N}.parquet");
        WriterPropertiesBuilder builder = new WriterPropertiesBuilder().Compression(compression).DataPageVersion(pageVersion).DataPagesize(1_024);
        using (WriterProperties properties = (dictionary ? builder.EnableDictionary() : builder.DisableDictionary()).Build())
        using (var writer = new ParquetFileWriter(path, [new Column<string>("user_id"), new Column<long?>("item_id"), new Column<float>("rating"), new Column<DateTime>("timestamp", LogicalType.Timestamp(true, TimeUnit.Micros))], properties))
        {
            for (int group = 0; group < 3; group++)
            {
                using RowGroupWriter rowGroup = writer.AppendRowGroup();
                int[] rows = Enumerable.Range(group * 700, 700).ToArray();
                Write(rowGroup, rows.Select(i => i % 53 == 0 ? null : $"user-{i % 120}").ToArray());
                Write(rowGroup, rows.Select(i => i % 61 == 0 ? (long?)null : i % 400).ToArray());
                Write(rowGroup, rows.Select(i => (float)(i % 5)).ToArray());
                Write(rowGroup, rows.Select(i => DateTime.UnixEpoch.AddSeconds(1_600_000_000 + (i * 37L))).ToArray());
            }

            writer.Close();
        }

        await AssertBothPathsAgreeAsync(path);
    }

    [Fact]
    public async Task ParquetNetWrittenLog_BothPaths_GiveTheSameBatches()
    {
        string?[] users = [.. Enumerable.Range(0, 1_500).Select(i => i % 41 == 0 ? null : $"u{i % 90}")];
        int?[] items = [.. Enumerable.Range(0, 1_500).Select(i => i % 37 == 0 ? (int?)null : i % 210)];
        double[] ratings = [.. Enumerable.Range(0, 1_500).Select(i => i % 4 + 0.5)];
        long[] seconds = [.. Enumerable.Range(0, 1_500).Select(i => 1_600_000_000L + i)];
        string path = await ParquetNetLog.WriteAsync(
            _folder.Combine("parquet-net.parquet"),
            (new DataField<string>("user_id"), users),
            (new DataField<int?>("item_id"), items),
            (new DataField<double>("rating"), ratings),
            (new DataField<long>("timestamp"), seconds));

        await AssertBothPathsAgreeAsync(path);
    }

    private static async Task AssertBothPathsAgreeAsync(string path)
    {
        string withDecoder = await DescribeReadAsync(path);
        string parquetNetOnly;
        using (ColumnChunkReader.ParquetNetOnly())
        {
            parquetNetOnly = await DescribeReadAsync(path);
        }

        Assert.Equal(parquetNetOnly, withDecoder);
    }

    /// <summary>Everything a read gives, as text: the schema, each batch's every value, or the rejection.</summary>
    private static async Task<string> DescribeReadAsync(string path)
    {
        var text = new StringBuilder();
        try
        {
            var reader = new InteractionLogReader();
            await using InteractionLog log = await reader.OpenAsync(path, ColumnMapping.AutoDetect);
            text.AppendLine(CultureInfo.InvariantCulture, $"schema {log.Schema.User.Name} {log.Schema.Item.Name} {log.Schema.Value?.Name} {log.Schema.EventType?.Name} {log.Schema.Timestamp?.Name} {log.Schema.EpochUnit}");
            await foreach (InteractionBatch batch in log.ReadBatchesAsync())
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"batch {batch.Source} {batch.FirstRow} {batch.Count} {batch.RowsInLog}");
                Describe(text, "user", batch.Users, batch.Count);
                Describe(text, "item", batch.Items, batch.Count);
                text.AppendLine("value " + string.Join(',', (batch.Values ?? []).Take(batch.Count).Select(v => BitConverter.SingleToInt32Bits(v).ToString(CultureInfo.InvariantCulture))));
                text.AppendLine("event " + string.Join(',', (batch.EventTypes ?? []).Take(batch.Count).Select(e => e ?? "<null>")));
                text.AppendLine("time " + string.Join(',', (batch.TimestampsMicros ?? []).Take(batch.Count).Select(t => t.ToString(CultureInfo.InvariantCulture))));
            }
        }
        catch (InvalidInteractionLogException ex)
        {
            text.AppendLine("rejected: " + ex.Message);
        }

        return text.ToString();
    }

    private static void Describe(StringBuilder text, string role, IdColumn ids, int count) =>
        text.AppendLine(CultureInfo.InvariantCulture, $"{role} {ids.Type} {string.Join(',', Enumerable.Range(0, count).Select(row => ids.TextAt(row) ?? "<null>"))}");

    private static void Write<T>(RowGroupWriter rowGroup, T[] values)
    {
        using LogicalColumnWriter<T> column = rowGroup.NextColumn().LogicalWriter<T>();
        column.WriteBatch(values);
    }
}
