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
public sealed class TextColumnReaderTests : IDisposable
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

        string?[]? ours = await new TextColumnReader(stream).TryReadAsync(rowGroup, field, count, CancellationToken.None);
        return (ours, expected);
    }
}
