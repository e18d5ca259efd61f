using Recommender.Core.Preprocessing;
using static Recommender.Core.Tests.Preprocessing.InteractionLogs;

namespace Recommender.Core.Tests.Preprocessing;

public sealed class DuplicatesAndKCoreTests
{
    // User 1 meets item 1 three times (weights 2, 5, 3 at times 30, 10, 20) and item 2 once.
    private static InteractionLogInput Repeated() =>
        Log("a.parquet", Numeric([1, 1, 1, 1], [1, 2, 1, 1], values: [2f, 1f, 5f, 3f], timestamps: [30, 40, 10, 20]));

    [Theory]
    [InlineData(DuplicatePolicy.Sum, 10f)]
    [InlineData(DuplicatePolicy.Max, 5f)]
    [InlineData(DuplicatePolicy.Last, 2f)]
    public async Task BuildAsync_DuplicatePolicy_CombinesRepeatedPairIntoOne(DuplicatePolicy policy, float expected)
    {
        PreprocessedDataset prepared = await BuildAsync(Options(o => o.Duplicates = policy), Repeated());

        var rows = Rows(prepared);
        Assert.Equal(2, rows.Count);
        Assert.Equal(("1", "1", expected, 30L), rows[0]);
        Assert.Equal(2, prepared.Result.DuplicatesCombined);
    }

    [Fact]
    public async Task BuildAsync_LastPolicyWithEqualTimes_LaterRowWins()
    {
        PreprocessingOptions options = Options(o => o.Duplicates = DuplicatePolicy.Last);

        PreprocessedDataset prepared = await BuildAsync(options, Log("a.parquet", Numeric([1, 1, 1], [1, 1, 1], values: [4f, 2f, 1f], timestamps: [5, 5, 4])));

        Assert.Equal(2f, Assert.Single(Rows(prepared)).Weight);
    }

    [Fact]
    public async Task BuildAsync_DuplicatesAcrossLogs_CombinedLikeWithinOne()
    {
        PreprocessedDataset prepared = await BuildAsync(
            Log("a.parquet", Numeric([1], [1], values: [2f], source: "a.parquet")),
            Log("b.parquet", Text(["1"], ["1"], values: [3f], source: "b.parquet")));

        Assert.Equal(5f, Assert.Single(Rows(prepared)).Weight);
    }

    [Fact]
    public async Task BuildAsync_ExplicitWithoutDuplicatePolicy_KeepsLatestRating()
    {
        PreprocessingOptions options = Options(o => o.Feedback = FeedbackKind.Explicit);

        PreprocessedDataset prepared = await BuildAsync(options, Repeated());

        Assert.Equal(2f, Rows(prepared)[0].Weight);
    }

    [Fact]
    public async Task BuildAsync_KCore_RemovesUsersAndItemsBelowMinimum()
    {
        // Users 1-3 all rate items 10 and 11; user 4 rates only item 10; item 12 is rated once.
        PreprocessingOptions options = Options(o => (o.MinUserInteractions, o.MinItemInteractions) = (2, 2));
        InteractionLogInput log = Pairs("a.parquet", (1, 10), (1, 11), (2, 10), (2, 11), (3, 10), (3, 11), (4, 10), (3, 12));

        PreprocessedDataset prepared = await BuildAsync(options, log);

        Assert.Equal(["1", "2", "3"], prepared.Dataset.UserIds);
        Assert.Equal(["10", "11"], prepared.Dataset.ItemIds);
        Assert.Equal(new KCoreRemovals(2, 1, 1, 2), prepared.Result.KCore);
    }

    [Fact]
    public async Task BuildAsync_KCoreWhereRemovingItemsDropsAUser_IteratesUntilStable()
    {
        // Items 20 and 21 have one rating each; removing them leaves user 5 with one interaction (item 10),
        // so user 5 goes too, which leaves item 10 with two ratings, still enough.
        PreprocessingOptions options = Options(o => (o.MinUserInteractions, o.MinItemInteractions) = (2, 2));
        InteractionLogInput log = Pairs(
            "a.parquet",
            (5, 10), (5, 20), (5, 21),
            (1, 10), (1, 11), (2, 10), (2, 11));

        PreprocessedDataset prepared = await BuildAsync(options, log);

        Assert.Equal(["1", "2"], prepared.Dataset.UserIds);
        Assert.Equal(["10", "11"], prepared.Dataset.ItemIds);
        Assert.Equal(new KCoreRemovals(3, 1, 2, 3), prepared.Result.KCore);
    }

    [Fact]
    public async Task BuildAsync_KCoreOff_RemovesNothing()
    {
        PreprocessedDataset prepared = await BuildAsync(Pairs("a.parquet", (1, 10), (2, 11)));

        Assert.Equal(new KCoreRemovals(0, 0, 0, 0), prepared.Result.KCore);
        Assert.Equal(2, prepared.Result.Interactions);
    }

    [Fact]
    public async Task BuildAsync_KCoreRemovesEverything_ThrowsNoUsableInteractions()
    {
        PreprocessingOptions options = Options(o => o.MinUserInteractions = 5);

        var error = await Assert.ThrowsAsync<NoUsableInteractionsException>(() => BuildAsync(options, Pairs("a.parquet", (1, 10), (2, 11))));

        Assert.Contains("k-core", error.Message, StringComparison.Ordinal);
    }
}
