using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using Recommender.Core.Datasets;
using Recommender.Core.Lookup;
using Recommender.Core.Models;
using Recommender.Core.Pipeline;
using Recommender.Core.Preprocessing;
using Recommender.Core.Scoring;
using Recommender.Core.Storage;
using Recommender.Core.Tests.TestSupport;
using Recommender.Core.Training;

namespace Recommender.Core.Tests.Scoring;

public sealed class ScoringBundleTests : IDisposable
{
    private const string RunId = "run-1";
    private const string DatasetVersion = "d-1";
    private readonly TempDirectory _folder = new();
    private readonly LocalArtifactStore _store;

    public ScoringBundleTests() => _store = new LocalArtifactStore(_folder.Combine("artifacts"));

    [Fact]
    public async Task WriteThenRead_UserRange_RoundTripsFactorsIdsAndSeenItems()
    {
        SyntheticRun run = SyntheticRun.Create(users: 60, items: 40, dimension: 5, seed: 3);
        await run.WriteAsync(_store);

        ScoringBundleHeader header = await ScoringBundleReader.ReadHeaderAsync(_store, RunId, CancellationToken.None);
        ScoringItems items = await ScoringBundleReader.ReadItemsAsync(_store, header, CancellationToken.None);
        ScoringUsers users = await ScoringBundleReader.ReadUsersAsync(_store, header, 7, 31, CancellationToken.None);

        Assert.Equal((60, 40, 5, DatasetVersion), (header.UserCount, header.ItemCount, header.Dimension, header.DatasetVersion));
        Assert.Equal(run.Factors.ItemFactors, items.Factors);
        Assert.Equal(run.ItemIds, items.Ids);
        Assert.Equal(run.Factors.UserFactors.AsSpan(7 * 5, 24 * 5).ToArray(), users.Factors);
        Assert.Equal(run.UserIds.Skip(7).Take(24), users.Ids);
        Assert.All(Enumerable.Range(0, 24), row => Assert.Equal(run.Seen.ItemsOf(7 + row).ToArray(), users.Seen.ItemsOf(row).ToArray()));
    }

    [Fact]
    public async Task ScoreShardAsync_TenUsersOfALargeBundle_ReadsOnlyTheirRows()
    {
        SyntheticRun run = SyntheticRun.Create(users: 40_000, items: 50, dimension: 16, seed: 5);
        await run.WriteAsync(_store);
        var counting = new CountingArtifactStore(_store);
        using var lookup = new SqliteLookupStore(_folder.Combine("lookup.db"));
        ScoringStage scoring = Scoring(counting, lookup);
        string[] userFiles = [ScoringBundle.UserFactors, ScoringBundle.UserIds, ScoringBundle.SeenItems];
        long userFileBytes = 0;
        foreach (string file in userFiles)
        {
            userFileBytes += (await _store.GetInfoAsync(ScoringBundle.PathOf(RunId, file)))!.Size;
        }

        ScoreShardOutput output = await scoring.ScoreShardAsync(new ScoreShardInput(RunId, DatasetVersion, 20_000, 20_010, 10));

        long read = userFiles.Sum(file => counting.BytesRead(ScoringBundle.PathOf(RunId, file)));
        Assert.Equal(10, output.ListsWritten);
        Assert.InRange(read, 1, 2_048);
        Assert.True(read * 1_000 < userFileBytes, $"read {read} of {userFileBytes} bytes of the user files");
    }

    [Fact]
    public async Task ScoreShardAsync_ShardAcrossReadBlocks_WritesTheListsOfScoringTheWholeModel()
    {
        SyntheticRun run = SyntheticRun.Create(users: 9_000, items: 30, dimension: 4, seed: 8);
        await run.WriteAsync(_store);
        using var lookup = new SqliteLookupStore(_folder.Combine("lookup.db"));
        ScoringStage scoring = Scoring(_store, lookup);

        await scoring.ScoreShardAsync(new ScoreShardInput(RunId, DatasetVersion, 8_000, 8_400, 5));

        using var scorer = new TopKScorer(run.Factors, run.Seen);
        RecommendationLists expected = scorer.ScoreUsers(5, 8_000, 8_400);
        Dictionary<string, UserRecommendations> written = await WrittenListsAsync(lookup);

        Assert.Equal(400, written.Count);
        for (int row = 0; row < 400; row++)
        {
            UserRecommendations list = written[run.UserIds[8_000 + row]];
            Assert.Equal(expected.ItemsOf(row).ToArray().Select(item => run.ItemIds[item]), list.ItemIds);
            Assert.All(expected.ScoresOf(row).ToArray().Zip(list.Scores), pair => Assert.Equal(pair.First, pair.Second, 1e-5f));
        }
    }

    [Fact]
    public async Task ScoreShardAsync_EaseLayoutWiderThanAnyEmbedding_ScoresLikeTheWholeModel()
    {
        // EASE's scoring rows are as wide as the catalog: a catalog past the embedding limit must still be scored.
        int items = ModelShape.MaxEmbeddingDimension + 4;
        SyntheticRun run = SyntheticRun.Create(users: 6, items: items, dimension: items, seed: 11);
        await run.WriteAsync(_store);
        using var lookup = new SqliteLookupStore(_folder.Combine("lookup.db"));

        ScoreShardOutput output = await Scoring(_store, lookup).ScoreShardAsync(new ScoreShardInput(RunId, DatasetVersion, 0, 6, 3));

        using var scorer = new TopKScorer(run.Factors, run.Seen);
        RecommendationLists expected = scorer.ScoreUsers(3, 0, 6);
        Dictionary<string, UserRecommendations> written = await WrittenListsAsync(lookup);

        Assert.Equal(6, output.ListsWritten);
        Assert.All(Enumerable.Range(0, 6), row => Assert.Equal(expected.ItemsOf(row).ToArray().Select(item => run.ItemIds[item]), written[run.UserIds[row]].ItemIds));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(ModelShape.MaxEmbeddingDimension + 1)]
    public async Task ReadHeaderAsync_DimensionNeitherAnEmbeddingNorTheCatalog_ThrowsNamingHeader(int dimension)
    {
        await SyntheticRun.Create(users: 3, items: 20, dimension: 2, seed: 4).WriteAsync(_store);
        string header = _store.GetFullPath(ScoringBundle.HeaderPath(RunId));
        string text = await File.ReadAllTextAsync(header);
        await File.WriteAllTextAsync(header, Regex.Replace(text, "\"dimension\": *2", $"\"dimension\": {dimension}"));

        var error = await Assert.ThrowsAsync<InvalidModelArtifactException>(() => ScoringBundleReader.ReadHeaderAsync(_store, RunId, CancellationToken.None));

        Assert.Equal(ScoringBundle.HeaderPath(RunId), error.Path);
        Assert.Contains("dimension", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadHeaderAsync_NoBundle_ThrowsNamingHeaderAndThePrepareStep()
    {
        var error = await Assert.ThrowsAsync<InvalidModelArtifactException>(() => ScoringBundleReader.ReadHeaderAsync(_store, RunId, CancellationToken.None));

        Assert.Equal(ScoringBundle.HeaderPath(RunId), error.Path);
        Assert.Contains("prepare-scoring", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadHeaderAsync_TruncatedUserFactors_ThrowsNamingFileAndSizes()
    {
        await SyntheticRun.Create(users: 50, items: 20, dimension: 4, seed: 1).WriteAsync(_store);
        await RewriteAsync(ScoringBundle.UserFactors, bytes => bytes[..^16]);

        var error = await Assert.ThrowsAsync<InvalidModelArtifactException>(() => ScoringBundleReader.ReadHeaderAsync(_store, RunId, CancellationToken.None));

        Assert.Equal(ScoringBundle.PathOf(RunId, ScoringBundle.UserFactors), error.Path);
        Assert.Contains("784 bytes but header.json says 800", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadHeaderAsync_OtherFormatVersion_ThrowsNamingHeader()
    {
        await SyntheticRun.Create(users: 5, items: 5, dimension: 2, seed: 1).WriteAsync(_store);
        string file = _store.GetFullPath(ScoringBundle.HeaderPath(RunId));
        await File.WriteAllTextAsync(file, (await File.ReadAllTextAsync(file)).Replace("\"formatVersion\": 1", "\"formatVersion\": 9", StringComparison.Ordinal));

        var error = await Assert.ThrowsAsync<InvalidModelArtifactException>(() => ScoringBundleReader.ReadHeaderAsync(_store, RunId, CancellationToken.None));

        Assert.Equal(ScoringBundle.HeaderPath(RunId), error.Path);
        Assert.Contains("format version 9", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadItemsAsync_ItemFactorsChangedInPlace_ThrowsNamingFileAndChecksum()
    {
        await SyntheticRun.Create(users: 10, items: 20, dimension: 4, seed: 2).WriteAsync(_store);
        await RewriteAsync(ScoringBundle.ItemFactors, bytes =>
        {
            bytes[37] ^= 0x40;
            return bytes;
        });
        ScoringBundleHeader header = await ScoringBundleReader.ReadHeaderAsync(_store, RunId, CancellationToken.None);

        var error = await Assert.ThrowsAsync<InvalidModelArtifactException>(() => ScoringBundleReader.ReadItemsAsync(_store, header, CancellationToken.None));

        Assert.Equal(ScoringBundle.PathOf(RunId, ScoringBundle.ItemFactors), error.Path);
        Assert.Contains("SHA-256", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadUsersAsync_SeenItemsOutOfOrder_ThrowsNamingFileAndUsers()
    {
        await SyntheticRun.Create(users: 10, items: 20, dimension: 2, seed: 4).WriteAsync(_store);
        await RewriteAsync(ScoringBundle.SeenItems, bytes =>
        {
            BitConverter.GetBytes(19).CopyTo(bytes, (int)ScoringBundle.OffsetsBytes(10)); // user 0's first item becomes larger than its second
            return bytes;
        });
        ScoringBundleHeader header = await ScoringBundleReader.ReadHeaderAsync(_store, RunId, CancellationToken.None);

        var error = await Assert.ThrowsAsync<InvalidModelArtifactException>(() => ScoringBundleReader.ReadUsersAsync(_store, header, 0, 3, CancellationToken.None));

        Assert.Equal(ScoringBundle.PathOf(RunId, ScoringBundle.SeenItems), error.Path);
        Assert.Contains("users [0, 3)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadUsersAsync_IdOffsetsPastTheText_ThrowsNamingFile()
    {
        await SyntheticRun.Create(users: 10, items: 20, dimension: 2, seed: 4).WriteAsync(_store);
        await RewriteAsync(ScoringBundle.UserIds, bytes =>
        {
            BitConverter.GetBytes(1_000_000L).CopyTo(bytes, 5 * sizeof(long));
            return bytes;
        });
        ScoringBundleHeader header = await ScoringBundleReader.ReadHeaderAsync(_store, RunId, CancellationToken.None);

        var error = await Assert.ThrowsAsync<InvalidModelArtifactException>(() => ScoringBundleReader.ReadUsersAsync(_store, header, 2, 8, CancellationToken.None));

        Assert.Equal(ScoringBundle.PathOf(RunId, ScoringBundle.UserIds), error.Path);
        Assert.Contains("offsets", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ScoreShardAsync_BundleOfAnotherDataset_ThrowsNamingBothVersions()
    {
        await SyntheticRun.Create(users: 10, items: 20, dimension: 2, seed: 4).WriteAsync(_store);
        using var lookup = new SqliteLookupStore(_folder.Combine("lookup.db"));

        var error = await Assert.ThrowsAsync<InvalidModelArtifactException>(() => Scoring(_store, lookup).ScoreShardAsync(new ScoreShardInput(RunId, "d-2", 0, 10, 5)));

        Assert.Contains("'d-1', not 'd-2'", error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => _folder.Dispose();

    /// <summary>Every list the run's version holds, by user id.</summary>
    private static async Task<Dictionary<string, UserRecommendations>> WrittenListsAsync(ILookupStore lookup)
    {
        var written = new Dictionary<string, UserRecommendations>(StringComparer.Ordinal);
        await foreach (UserRecommendations list in lookup.ReadAllAsync(RunId))
        {
            written.Add(list.UserId, list);
        }

        return written;
    }

    /// <summary>Replaces the bytes of one file of the run's bundle with what <paramref name="damage"/> makes of them.</summary>
    private async Task RewriteAsync(string section, Func<byte[], byte[]> damage)
    {
        string file = _store.GetFullPath(ScoringBundle.PathOf(RunId, section));
        await File.WriteAllBytesAsync(file, damage(await File.ReadAllBytesAsync(file)));
    }

    private static ScoringStage Scoring(IArtifactStore store, ILookupStore lookup) => new(store, lookup, new CuratedDatasetReader(store));

    /// <summary>Seeded factors, ids (some non-ASCII, of varying length) and seen items of a run, without training.</summary>
    private sealed record SyntheticRun(FactorSnapshot Factors, string[] UserIds, string[] ItemIds, UserItemSets Seen)
    {
        public static SyntheticRun Create(int users, int items, int dimension, int seed)
        {
            var random = new Random(seed);
            float[] Floats(int count) => Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
            var factors = new FactorSnapshot(Floats(users * dimension), Floats(items * dimension), users, items, dimension);
            string[] userIds = Enumerable.Range(0, users).Select(u => u % 3 == 0 ? $"nutzer-ü{u}" : $"u{new string('x', u % 7)}{u}").ToArray();
            string[] itemIds = Enumerable.Range(0, items).Select(i => $"item-{i}-€").ToArray();
            InteractionTable Interactions(int perUser)
            {
                int[] userColumn = Enumerable.Range(0, users * perUser).Select(row => row / perUser).ToArray();
                int[] itemColumn = userColumn.Select(_ => random.Next(items)).ToArray();
                return new InteractionTable(userColumn, itemColumn, new float[userColumn.Length], new long[userColumn.Length]);
            }

            UserItemSets seen = UserItemSets.FromInteractions([Interactions(4), Interactions(2)], users, items);
            return new SyntheticRun(factors, userIds, itemIds, seen);
        }

        public Task WriteAsync(IArtifactStore store) =>
            ScoringBundleWriter.WriteAsync(store, RunId, 1, DatasetVersion, Factors, UserIds, ItemIds, Seen, CancellationToken.None);
    }
}
