using Parquet.Schema;
using Recommender.Core.Ingestion;
using Recommender.Core.Tests.TestSupport;

namespace Recommender.Core.Tests.Ingestion;

/// <summary>What the reader says about columns it cannot use: every wrongly typed column, and nested columns it skipped.</summary>
public sealed class ColumnReportingTests : IDisposable
{
    private readonly TempDirectory _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Read_TwoWronglyTypedColumns_RejectsNamingBoth()
    {
        string path = await ParquetNetLog.WriteAsync(_folder.Combine("two-bad.parquet"),
            (new DataField<bool>("user_id"), new[] { true }),
            (new DataField<int>("item_id"), new[] { 2 }),
            (new DataField<string>("rating"), new[] { "five" }));

        InvalidInteractionLogException error = await LogReading.RejectAsync(path);

        Assert.Equal("user_id", error.Field);
        Assert.Contains("has type BOOLEAN, which cannot hold the user id", error.Message, StringComparison.Ordinal);
        Assert.Contains("; and column 'rating': has type BYTE_ARRAY STRING, which cannot hold the rating/weight", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Read_ListColumnNamedLikeTheRating_IsReadWithoutItAndReportedAsSkipped()
    {
        string path = DuckDbParquet.Write(_folder.Combine("list-rating.parquet"), "select 'u' || i::varchar as user_id, 'i' || i::varchar as item_id, [4.0, 5.0] as rating from range(3) t(i)");

        (InteractionLogSchema schema, IReadOnlyList<InteractionBatch> batches) = await LogReading.ReadAllAsync(path);

        Assert.Null(schema.Value);
        Assert.Equal(3, batches.Sum(batch => batch.Count));
        Assert.Equal(["rating (list): a nested column cannot be the rating/weight"], schema.Skipped);
    }
}
