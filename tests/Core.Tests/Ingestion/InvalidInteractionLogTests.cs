using Parquet.Schema;
using Recommender.Core.Ingestion;
using Recommender.Core.Tests.TestSupport;

namespace Recommender.Core.Tests.Ingestion;

/// <summary>Files that cannot be used are rejected with a message naming the file and, where one is at fault, the column.</summary>
public sealed class InvalidInteractionLogTests : IDisposable
{
    private readonly TempDirectory _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Read_TextFile_RejectsAsNotParquet()
    {
        string path = _folder.Combine("ratings.parquet");
        await File.WriteAllTextAsync(path, "user_id,item_id\n1,2\n");

        InvalidInteractionLogException error = await LogReading.RejectAsync(path);

        Assert.Equal(path, error.Source);
        Assert.Null(error.Field);
        Assert.StartsWith($"{path}: is not a Parquet file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Read_EmptyFile_RejectsAsEmpty()
    {
        string path = _folder.Combine("empty.parquet");
        await File.WriteAllBytesAsync(path, []);

        InvalidInteractionLogException error = await LogReading.RejectAsync(path);

        Assert.Contains("is empty (0 bytes)", error.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Read_FirstHalfOfValidFile_RejectsAsTruncated()
    {
        byte[] whole = await File.ReadAllBytesAsync(await MovieLensParquet.GetPathAsync());
        string path = _folder.Combine("truncated.parquet");
        await File.WriteAllBytesAsync(path, whole[..(whole.Length / 2)]);

        InvalidInteractionLogException error = await LogReading.RejectAsync(path);

        Assert.StartsWith($"{path}: is truncated or damaged", error.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Read_FooterLengthBeyondFile_RejectsWrappingParquetError()
    {
        byte[] bytes = await File.ReadAllBytesAsync(await MovieLensParquet.GetPathAsync());
        BitConverter.TryWriteBytes(bytes.AsSpan(bytes.Length - 8, 4), int.MaxValue - 16);
        string path = _folder.Combine("bad-footer.parquet");
        await File.WriteAllBytesAsync(path, bytes);

        InvalidInteractionLogException error = await LogReading.RejectAsync(path);

        Assert.StartsWith($"{path}: the Parquet footer cannot be read", error.Message, StringComparison.Ordinal);
        Assert.NotNull(error.InnerException);
    }

    [SkippableFact]
    public async Task Read_DamagedFirstPage_RejectsNamingColumnAndRowGroup()
    {
        byte[] bytes = await File.ReadAllBytesAsync(await MovieLensParquet.GetPathAsync());
        bytes.AsSpan(4, 64).Fill(0xFF);
        string path = _folder.Combine("bad-page.parquet");
        await File.WriteAllBytesAsync(path, bytes);

        InvalidInteractionLogException error = await LogReading.RejectAsync(path);

        Assert.Equal("user_id", error.Field);
        Assert.StartsWith($"{path}: column 'user_id': row group 0 cannot be read", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Read_NoUserColumn_RejectsListingColumns()
    {
        string path = await ParquetNetLog.WriteAsync(_folder.Combine("no-user.parquet"),
            (new DataField<int>("person"), new[] { 1 }),
            (new DataField<int>("item_id"), new[] { 2 }));

        InvalidInteractionLogException error = await LogReading.RejectAsync(path);

        Assert.Null(error.Field);
        Assert.StartsWith($"{path}: no user id column", error.Message, StringComparison.Ordinal);
        Assert.EndsWith("columns: person (INT32), item_id (INT32)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Read_NoItemColumn_RejectsNamingTheRole()
    {
        string path = await ParquetNetLog.WriteAsync(_folder.Combine("no-item.parquet"),
            (new DataField<int>("user_id"), new[] { 1 }),
            (new DataField<int>("thing"), new[] { 2 }));

        InvalidInteractionLogException error = await LogReading.RejectAsync(path);

        Assert.Contains("no item id column", error.Message, StringComparison.Ordinal);
        Assert.Contains("thing (INT32)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Read_MappedColumnMissing_RejectsNamingItAndListingColumns()
    {
        string path = await ParquetNetLog.WriteAsync(_folder.Combine("mapped.parquet"),
            (new DataField<int>("user_id"), new[] { 1 }),
            (new DataField<int>("item_id"), new[] { 2 }));

        InvalidInteractionLogException error = await LogReading.RejectAsync(path, new ColumnMapping { ValueColumn = "stars" });

        Assert.Equal("stars", error.Field);
        Assert.Contains("has no such column; columns: user_id (INT32), item_id (INT32)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Read_BooleanUserId_RejectsNamingColumnAndType()
    {
        string path = await ParquetNetLog.WriteAsync(_folder.Combine("bool.parquet"),
            (new DataField<bool>("user_id"), new[] { true }),
            (new DataField<int>("item_id"), new[] { 2 }));

        InvalidInteractionLogException error = await LogReading.RejectAsync(path);

        Assert.Equal("user_id", error.Field);
        Assert.StartsWith($"{path}: column 'user_id': has type BOOLEAN, which cannot hold the user id", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Read_FloatItemId_RejectsNamingColumnAndType()
    {
        string path = await ParquetNetLog.WriteAsync(_folder.Combine("float.parquet"),
            (new DataField<int>("user_id"), new[] { 1 }),
            (new DataField<float>("item_id"), new[] { 2.5f }));

        InvalidInteractionLogException error = await LogReading.RejectAsync(path);

        Assert.Equal("item_id", error.Field);
        Assert.Contains("has type FLOAT, which cannot hold the item id", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Read_BinaryUserIdWithoutUtf8_RejectsNamingColumnAndType()
    {
        string path = await ParquetNetLog.WriteAsync(_folder.Combine("binary.parquet"),
            (new DataField<byte[]>("user_id"), new[] { new byte[] { 0xC3, 0x28 } }),
            (new DataField<int>("item_id"), new[] { 2 }));

        InvalidInteractionLogException error = await LogReading.RejectAsync(path);

        Assert.Equal("user_id", error.Field);
        Assert.Contains("has type BYTE_ARRAY, which cannot hold the user id", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Read_StringRating_RejectsNamingColumnAndType()
    {
        string path = await ParquetNetLog.WriteAsync(_folder.Combine("string-rating.parquet"),
            (new DataField<int>("user_id"), new[] { 1 }),
            (new DataField<int>("item_id"), new[] { 2 }),
            (new DataField<string>("rating"), new[] { "five" }));

        InvalidInteractionLogException error = await LogReading.RejectAsync(path);

        Assert.Equal("rating", error.Field);
        Assert.Contains("has type BYTE_ARRAY STRING, which cannot hold the rating/weight", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Read_DetectedTimestampIsText_RejectsSuggestingAnEmptyMapping()
    {
        string path = await ParquetNetLog.WriteAsync(_folder.Combine("text-time.parquet"),
            (new DataField<int>("user_id"), new[] { 1 }),
            (new DataField<int>("item_id"), new[] { 2 }),
            (new DataField<string>("date"), new[] { "2020-01-02" }));

        InvalidInteractionLogException error = await LogReading.RejectAsync(path);

        Assert.Equal("date", error.Field);
        Assert.Contains("an empty name to read the log without one", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Read_MappingUsesOneColumnTwice_RejectsNamingIt()
    {
        string path = await ParquetNetLog.WriteAsync(_folder.Combine("twice.parquet"),
            (new DataField<int>("id"), new[] { 1 }),
            (new DataField<int>("other"), new[] { 2 }));

        InvalidInteractionLogException error = await LogReading.RejectAsync(path, new ColumnMapping { UserColumn = "id", ItemColumn = "id" });

        Assert.Equal("id", error.Field);
        Assert.Contains("both the user id and the item id", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Read_NanosecondsConfiguredAsSeconds_RejectsNamingColumn()
    {
        string path = await ParquetNetLog.WriteAsync(_folder.Combine("overflow.parquet"),
            (new DataField<int>("user_id"), new[] { 1 }),
            (new DataField<int>("item_id"), new[] { 2 }),
            (new DataField<long>("ts"), new[] { 1_577_934_245_123_456_789L }));

        InvalidInteractionLogException error = await LogReading.RejectAsync(path, new ColumnMapping { TimestampUnit = TimestampUnit.Seconds });

        Assert.Equal("ts", error.Field);
        Assert.Contains("does not fit a timestamp in seconds", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("index", "its data is damaged or not what the file's metadata says (IndexOutOfRangeException while decoding)")]
    [InlineData("message", "unexpected data type 15")]
    public void DescribeDecodingFailure_SaysWhatTheDataIsNotWhatTheDecoderTripped(string kind, string described)
    {
        Exception failure = kind == "index" ? new IndexOutOfRangeException() : new InvalidDataException("unexpected data type 15.");

        Assert.Equal(described, InteractionLogReader.DescribeDecodingFailure(failure));
    }
}
