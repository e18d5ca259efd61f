using Recommender.Core.Datasets;
using Recommender.Core.Ingestion;
using Recommender.Core.Preprocessing;
using Recommender.Core.Storage;
using Recommender.Core.Tests.Preprocessing;
using static Recommender.Core.Tests.Preprocessing.InteractionLogs;

namespace Recommender.Core.Tests.Datasets;

public sealed class CuratedDatasetStorageTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), $"curated-dataset-tests-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Fact]
    public async Task RunAsync_TwiceIntoTwoStores_WritesByteIdenticalFiles()
    {
        InteractionLogInput[] logs = [MixedLog("a.parquet", 1), MixedLog("b.parquet", 2), FailingLog("c.parquet", "truncated")];
        var first = new LocalArtifactStore(Path.Combine(_root, "first"));
        var second = new LocalArtifactStore(Path.Combine(_root, "second"));

        PreprocessingResult one = await new InteractionPreprocessor().RunAsync(logs, Options(), first, CancellationToken.None);
        PreprocessingResult two = await new InteractionPreprocessor().RunAsync([.. logs.Reverse()], Options(), second, CancellationToken.None);

        Assert.Equal(one.DatasetVersion, two.DatasetVersion);
        string[] files = Directory.GetFiles(Path.Combine(first.RootDirectory, "datasets", one.DatasetVersion)).Select(Path.GetFileName).Order().ToArray()!;
        Assert.Equal(["items.parquet", "manifest.json", "train.parquet", "users.parquet", "validation.parquet"], files);
        foreach (string file in files)
        {
            string path = CuratedDatasetLayout.PathOf(one.DatasetVersion, file);
            Assert.Equal(await File.ReadAllBytesAsync(first.GetFullPath(path)), await File.ReadAllBytesAsync(second.GetFullPath(path)));
        }
    }

    [Fact]
    public async Task RunAsync_SmallRowGroups_WritesTheBytesOfTheBuiltDatasetWritten()
    {
        // RunAsync writes train and validation rows straight from shared columns; the bytes must be those of the tables.
        InteractionLogInput log = Random("a.parquet", users: 60, items: 40, perUser: 12, seed: 5);
        var streamed = new LocalArtifactStore(Path.Combine(_root, "streamed"));
        var tables = new LocalArtifactStore(Path.Combine(_root, "tables"));
        var writer = new CuratedDatasetWriter(rowGroupSize: 50);

        PreprocessingResult result = await new InteractionPreprocessor(writer: writer).RunAsync([log], Options(), streamed, CancellationToken.None);
        PreprocessedDataset built = await new InteractionPreprocessor().BuildAsync([log], Options(), CancellationToken.None);
        await writer.WriteAsync(tables, built.Dataset, built.Manifest);

        Assert.True(result.ValidationInteractions > 50);
        foreach (string file in new[] { "users.parquet", "items.parquet", "train.parquet", "validation.parquet", "manifest.json" })
        {
            string path = CuratedDatasetLayout.PathOf(result.DatasetVersion, file);
            Assert.Equal(await File.ReadAllBytesAsync(tables.GetFullPath(path)), await File.ReadAllBytesAsync(streamed.GetFullPath(path)));
        }
    }

    [Fact]
    public async Task ReadAsync_WrittenDataset_ReturnsTheSameDataset()
    {
        var store = new LocalArtifactStore(_root);
        PreprocessingOptions options = Options(o => o.Feedback = FeedbackKind.Explicit);
        PreprocessedDataset built = await BuildAsync(options, MixedLog("a.parquet", 3));
        await new CuratedDatasetWriter().WriteAsync(store, built.Dataset, built.Manifest);

        CuratedDataset read = await new CuratedDatasetReader(store).ReadAsync(built.Dataset.Version);

        AssertSameDataset(built.Dataset, read);
        Assert.True(read.IsExplicit);
    }

    [Fact]
    public async Task ReadAsync_WrittenDatasetWithARatingThreshold_ReturnsItsSeenOnlyPairs()
    {
        var store = new LocalArtifactStore(_root);
        PreprocessingOptions options = Options(o => o.RatingThreshold = 4);
        InteractionBatch ratings = Numeric([1, 1, 2, 2, 3, 3], [10, 20, 20, 10, 10, 20], values: [5f, 2f, 5f, 1f, 4f, 4f]);

        PreprocessingResult result = await new InteractionPreprocessor().RunAsync([Log("a.parquet", ratings)], options, store, CancellationToken.None);
        CuratedDataset read = await new CuratedDatasetReader(store).ReadAsync(result.DatasetVersion);

        PreprocessedDataset built = await BuildAsync(options, Log("a.parquet", ratings));
        Assert.Equal(2, built.Dataset.SeenOnly.Count);
        AssertSameDataset(built.Dataset, read);
        Assert.True(File.Exists(store.GetFullPath(CuratedDatasetLayout.PathOf(result.DatasetVersion, CuratedDatasetLayout.SeenOnlyFile))));
    }

    [Fact]
    public async Task ReadAsync_DatasetWrittenInSmallRowGroups_ReadsEveryGroup()
    {
        var store = new LocalArtifactStore(_root);
        PreprocessedDataset built = await BuildAsync(Random("a.parquet", users: 50, items: 30, perUser: 10, seed: 3));
        await new CuratedDatasetWriter(rowGroupSize: 7).WriteAsync(store, built.Dataset, built.Manifest);

        CuratedDataset read = await new CuratedDatasetReader(store).ReadAsync(built.Dataset.Version);

        AssertSameDataset(built.Dataset, read);
        await using Stream train = await store.OpenReadAsync(CuratedDatasetLayout.PathOf(built.Dataset.Version, CuratedDatasetLayout.TrainFile));
        await using var parquet = await Parquet.ParquetReader.CreateAsync(train);
        Assert.Equal((built.Dataset.Train.Count + 6) / 7, parquet.RowGroupCount);
    }

    [Fact]
    public async Task ReadManifestAsync_AfterRun_RecordsSourcesRejectionsSplitAndCounts()
    {
        var store = new LocalArtifactStore(_root);
        InteractionLogInput source = MixedLog("a.parquet", 1) with { Schema = new Dictionary<string, string> { ["user"] = "user_id", ["item"] = "sku" } };

        PreprocessingResult result = await new InteractionPreprocessor().RunAsync([source, FailingLog("z.parquet", "no item column")], Options(), store);
        DatasetManifest manifest = await new CuratedDatasetReader(store).ReadManifestAsync(result.DatasetVersion);

        ManifestSource recorded = Assert.Single(manifest.Sources);
        Assert.Equal(("a.parquet", "\"a.parquet-etag\"", 1000L, "sku"), (recorded.Source, recorded.ETag, recorded.Size, recorded.Schema!["item"]));
        Assert.Equal("no item column", Assert.Single(manifest.RejectedSources).Reason);
        Assert.Equal(new ManifestSplit(SplitKind.StratifiedPerItem, 0.75, null, 42, result.TrainInteractions, result.ValidationInteractions, SplitDraws.PerPair), manifest.Split);
        Assert.Equal(new DatasetStatistics(result.Users, result.Items, result.Interactions, result.Density), manifest.Statistics);
        Assert.Equal($"datasets/{result.DatasetVersion}/", result.DatasetPath);
    }

    [Fact]
    public async Task ReadAsync_InteractionOutsideVocabulary_ThrowsInvalidCuratedDataset()
    {
        var store = new LocalArtifactStore(_root);
        PreprocessedDataset built = await BuildAsync(MixedLog("a.parquet", 1));
        var broken = new CuratedDataset
        {
            Version = built.Dataset.Version,
            UserIds = built.Dataset.UserIds.Take(1).ToArray(),
            ItemIds = built.Dataset.ItemIds,
            Train = built.Dataset.Train,
            Validation = built.Dataset.Validation,
        };
        await new CuratedDatasetWriter().WriteAsync(store, broken, built.Manifest);

        var error = await Assert.ThrowsAsync<InvalidCuratedDatasetException>(() => new CuratedDatasetReader(store).ReadAsync(built.Dataset.Version));

        Assert.Contains("column 'user'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadAsync_MissingDataset_ThrowsArtifactNotFound()
    {
        var store = new LocalArtifactStore(_root);

        await Assert.ThrowsAsync<ArtifactNotFoundException>(() => new CuratedDatasetReader(store).ReadAsync("0123456789abcdef0123"));
    }

    private static InteractionLogInput MixedLog(string source, int seed)
    {
        var random = new Random(seed);
        int count = 400;
        string?[] users = [.. Enumerable.Range(0, count).Select(_ => random.Next(8) == 0 ? null : $"user-{random.Next(40)}")];
        string?[] items = [.. Enumerable.Range(0, count).Select(_ => random.Next(25).ToString(System.Globalization.CultureInfo.InvariantCulture))];
        float[] values = [.. Enumerable.Range(0, count).Select(_ => (float)random.Next(1, 6))];
        long[] times = [.. Enumerable.Range(0, count).Select(_ => random.NextInt64(1_000_000_000_000_000, 1_700_000_000_000_000))];
        return Log(source, Text(users, items, values: values, timestamps: times, source: source));
    }

    private static void AssertSameDataset(CuratedDataset expected, CuratedDataset actual)
    {
        Assert.Equal(expected.Version, actual.Version);
        Assert.Equal(expected.UserIds, actual.UserIds);
        Assert.Equal(expected.ItemIds, actual.ItemIds);
        foreach ((InteractionTable left, InteractionTable right) in new[] { (expected.Train, actual.Train), (expected.Validation, actual.Validation), (expected.SeenOnly, actual.SeenOnly) })
        {
            Assert.Equal(left.Users, right.Users);
            Assert.Equal(left.Items, right.Items);
            Assert.Equal(left.Weights, right.Weights);
            Assert.Equal(left.Timestamps, right.Timestamps);
        }
    }
}
