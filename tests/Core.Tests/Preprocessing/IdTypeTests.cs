using Parquet.Schema;
using Recommender.Core.Datasets;
using Recommender.Core.Ingestion;
using Recommender.Core.Pipeline;
using Recommender.Core.Preprocessing;
using Recommender.Core.Storage;
using Recommender.Core.Tests.Ingestion;
using Recommender.Core.Tests.TestSupport;

namespace Recommender.Core.Tests.Preprocessing;

/// <summary>The curated dataset's manifest records the type the logs gave user and item ids, so outputs can give them back.</summary>
public sealed class IdTypeTests : IDisposable
{
    private readonly TempDirectory _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Preprocess_Int32UsersAndInt64Items_RecordsEachType()
    {
        string log = await ParquetNetLog.WriteAsync(_folder.Combine("a.parquet"), (new DataField<int>("user_id"), new[] { 1, 2, 3 }), (new DataField<long>("item_id"), new[] { 10L, 20L, 30L }));

        DatasetManifest manifest = await PreprocessAsync(log);

        Assert.Equal((ExternalIdType.Int32, ExternalIdType.Int64), (manifest.UserIdType, manifest.ItemIdType));
        Assert.Equal((ExternalIdType.Int32, ExternalIdType.Int64), (manifest.Sources[0].UserIdType, manifest.Sources[0].ItemIdType));
    }

    [Fact]
    public async Task Preprocess_StringIds_RecordsString()
    {
        string log = await ParquetNetLog.WriteAsync(_folder.Combine("a.parquet"), (new DataField<string>("user_id"), new[] { "a", "b", "c" }), (new DataField<string>("item_id"), new[] { "x", "y", "z" }));

        DatasetManifest manifest = await PreprocessAsync(log);

        Assert.Equal((ExternalIdType.String, ExternalIdType.String), (manifest.UserIdType, manifest.ItemIdType));
    }

    [Fact]
    public async Task Preprocess_Int32LogAndInt64Log_RecordsTheWiderInteger()
    {
        string narrow = await ParquetNetLog.WriteAsync(_folder.Combine("a.parquet"), (new DataField<int>("user_id"), new[] { 1, 2 }), (new DataField<int>("item_id"), new[] { 10, 20 }));
        string wide = await ParquetNetLog.WriteAsync(_folder.Combine("b.parquet"), (new DataField<long>("user_id"), new[] { 3L, 4L }), (new DataField<int>("item_id"), new[] { 10, 30 }));

        DatasetManifest manifest = await PreprocessAsync(narrow, wide);

        Assert.Equal((ExternalIdType.Int64, ExternalIdType.Int32), (manifest.UserIdType, manifest.ItemIdType));
    }

    [Fact]
    public async Task Preprocess_IntegerLogAndStringLog_RecordsString()
    {
        string numbers = await ParquetNetLog.WriteAsync(_folder.Combine("a.parquet"), (new DataField<int>("user_id"), new[] { 1, 2 }), (new DataField<int>("item_id"), new[] { 10, 20 }));
        string text = await ParquetNetLog.WriteAsync(_folder.Combine("b.parquet"), (new DataField<string>("user_id"), new[] { "3", "u4" }), (new DataField<int>("item_id"), new[] { 10, 30 }));

        DatasetManifest manifest = await PreprocessAsync(numbers, text);

        Assert.Equal((ExternalIdType.String, ExternalIdType.Int32), (manifest.UserIdType, manifest.ItemIdType));
    }

    [Fact]
    public async Task Preprocess_RejectedLogWithStringIds_DoesNotWidenTheType()
    {
        string good = await ParquetNetLog.WriteAsync(_folder.Combine("a.parquet"), (new DataField<int>("user_id"), new[] { 1, 2 }), (new DataField<int>("item_id"), new[] { 10, 20 }));
        string rejected = await ParquetNetLog.WriteAsync(_folder.Combine("b.parquet"), (new DataField<string>("user_id"), new[] { "u3" }), (new DataField<string>("rating"), new[] { "high" }));

        DatasetManifest manifest = await PreprocessAsync(good, rejected);

        Assert.Single(manifest.RejectedSources);
        Assert.Equal((ExternalIdType.Int32, ExternalIdType.Int32), (manifest.UserIdType, manifest.ItemIdType));
    }

    [Fact]
    public void Combine_Types_GivesTheTypeThatHoldsBoth()
    {
        Assert.Equal(ExternalIdType.Int32, ExternalIdTypes.Combine(null, ExternalIdType.Int32));
        Assert.Equal(ExternalIdType.Int64, ExternalIdTypes.Combine(ExternalIdType.Int32, ExternalIdType.Int64));
        Assert.Equal(ExternalIdType.String, ExternalIdTypes.Combine(ExternalIdType.Int64, ExternalIdType.String));
        Assert.Null(ExternalIdTypes.Combine(null, null));
    }

    private async Task<DatasetManifest> PreprocessAsync(params string[] logs)
    {
        var artifacts = new LocalArtifactStore(_folder.Combine("artifacts"));
        var options = new PreprocessingOptions { Split = new SplitOptions { Kind = SplitKind.RandomPerUser } };
        PreprocessingResult result = await new PreprocessStep().RunAsync(new LocalFileLogSource(logs), ColumnMapping.AutoDetect, options, artifacts);
        return await new CuratedDatasetReader(artifacts).ReadManifestAsync(result.DatasetVersion);
    }
}
