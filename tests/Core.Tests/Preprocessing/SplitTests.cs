using Recommender.Core.Datasets;
using Recommender.Core.Preprocessing;
using static Recommender.Core.Tests.Preprocessing.InteractionLogs;

namespace Recommender.Core.Tests.Preprocessing;

public sealed class SplitTests
{
    private static readonly InteractionLogInput RandomLog = Random("a.parquet", users: 60, items: 40, perUser: 12, seed: 7);

    [Theory]
    [InlineData(42u, new[] { 0.3745401188473625, 0.9507143064099162, 0.7319939418114051 })]
    [InlineData(0u, new[] { 0.5488135039273248, 0.7151893663724195, 0.6027633760716439 })]
    public void LegacyMersenneTwister_Seeded_DrawsNumPyLegacySequence(uint seed, double[] expected)
    {
        var random = new LegacyMersenneTwister(seed);

        double[] drawn = [random.NextDouble(), random.NextDouble(), random.NextDouble()];

        Assert.Equal(expected, drawn);
    }

    [Fact]
    public void LegacyMersenneTwister_ReferenceSeed5489_MatchesTenThousandthOutput()
    {
        var random = new LegacyMersenneTwister(5489);

        uint value = 0;
        for (int draw = 0; draw < 10_000; draw++)
        {
            value = random.NextUInt32();
        }

        Assert.Equal(4123659995u, value);
    }

    [Theory]
    [InlineData(SplitKind.StratifiedPerItem)]
    [InlineData(SplitKind.StratifiedPerUser)]
    public async Task BuildAsync_StratifiedSplit_TrainsOnRanksUpToTheRatioPerGroup(SplitKind kind)
    {
        PreprocessedDataset prepared = await BuildAsync(Options(o => o.Split.Kind = kind), RandomLog);

        bool byItem = kind == SplitKind.StratifiedPerItem;
        int groups = byItem ? prepared.Dataset.ItemCount : prepared.Dataset.UserCount;
        int[] train = CountPerGroup(byItem ? prepared.Dataset.Train.Items : prepared.Dataset.Train.Users, groups);
        int[] validation = CountPerGroup(byItem ? prepared.Dataset.Validation.Items : prepared.Dataset.Validation.Users, groups);
        for (int group = 0; group < groups; group++)
        {
            int total = train[group] + validation[group];
            int ranksWithinRatio = Enumerable.Range(1, total).Count(rank => (double)rank / total <= 0.75);
            Assert.Equal(ranksWithinRatio, train[group]);
        }
    }

    [Fact]
    public async Task BuildAsync_StratifiedPerItemOnSingleRatedItem_PutsItInValidation()
    {
        PreprocessedDataset prepared = await BuildAsync(Pairs("a.parquet", (1, 10), (2, 10), (3, 10), (4, 10), (1, 11)));

        Assert.Equal(3, prepared.Dataset.Train.Count);
        Assert.Equal([0, 1], prepared.Dataset.Validation.Items.Order());
    }

    [Theory]
    [InlineData(SplitKind.StratifiedPerItem)]
    [InlineData(SplitKind.RandomPerUser)]
    public async Task BuildAsync_SameSeed_GivesTheSameSplit(SplitKind kind)
    {
        PreprocessingOptions options = Options(o => (o.Split.Kind, o.Split.Seed) = (kind, 11));

        PreprocessedDataset first = await BuildAsync(options, RandomLog);
        PreprocessedDataset second = await BuildAsync(options, RandomLog);

        Assert.Equal(PairsOf(first.Dataset.Validation).Order(), PairsOf(second.Dataset.Validation).Order());
    }

    [Theory]
    [InlineData(SplitKind.StratifiedPerItem)]
    [InlineData(SplitKind.StratifiedPerUser)]
    [InlineData(SplitKind.RandomPerUser)]
    public async Task BuildAsync_OtherSeed_GivesAnotherSplitOfTheSameSize(SplitKind kind)
    {
        PreprocessedDataset first = await BuildAsync(Options(o => (o.Split.Kind, o.Split.Seed) = (kind, 1)), RandomLog);
        PreprocessedDataset second = await BuildAsync(Options(o => (o.Split.Kind, o.Split.Seed) = (kind, 2)), RandomLog);

        Assert.Equal(first.Dataset.Validation.Count, second.Dataset.Validation.Count);
        Assert.NotEqual(PairsOf(first.Dataset.Validation).Order(), PairsOf(second.Dataset.Validation).Order());
        Assert.NotEqual(first.Dataset.Version, second.Dataset.Version);
    }

    [Theory]
    [InlineData(SplitKind.StratifiedPerItem)]
    [InlineData(SplitKind.StratifiedPerUser)]
    [InlineData(SplitKind.RandomPerUser)]
    [InlineData(SplitKind.ChronologicalPerUser)]
    public async Task BuildAsync_AnySplit_PutsEachPairInExactlyOneSide(SplitKind kind)
    {
        PreprocessedDataset prepared = await BuildAsync(Options(o => o.Split.Kind = kind), RandomLog);

        HashSet<(int, int)> train = PairsOf(prepared.Dataset.Train);
        HashSet<(int, int)> validation = PairsOf(prepared.Dataset.Validation);

        Assert.Empty(train.Intersect(validation));
        Assert.Equal(60 * 12, train.Count + validation.Count);
        Assert.Equal(prepared.Dataset.Train.Count + prepared.Dataset.Validation.Count, train.Count + validation.Count);
    }

    [Theory]
    [InlineData(0.75, 3)]
    [InlineData(0.8, 2)]
    [InlineData(0.5, 6)]
    public async Task BuildAsync_RandomPerUser_HoldsOutRoundedShareOfEachUser(double ratio, int heldOutPerUser)
    {
        PreprocessedDataset prepared = await BuildAsync(Options(o => (o.Split.Kind, o.Split.TrainRatio) = (SplitKind.RandomPerUser, ratio)), RandomLog);

        int[] validation = CountPerGroup(prepared.Dataset.Validation.Users, prepared.Dataset.UserCount);
        Assert.All(validation, count => Assert.Equal(heldOutPerUser, count));
    }

    [Fact]
    public async Task BuildAsync_RandomPerUserWithOneInteraction_KeepsItForTraining()
    {
        PreprocessingOptions options = Options(o => (o.Split.Kind, o.Split.TrainRatio) = (SplitKind.RandomPerUser, 0.1));

        PreprocessedDataset prepared = await BuildAsync(options, Pairs("a.parquet", (1, 10), (2, 10), (2, 11)));

        Assert.Equal([0, 1], prepared.Dataset.Train.Users.Order());
        Assert.Equal([1], prepared.Dataset.Validation.Users);
    }

    [Fact]
    public async Task BuildAsync_ChronologicalPerUser_HoldsOutEachUsersLatestInteractions()
    {
        PreprocessedDataset prepared = await BuildAsync(Options(o => o.Split.Kind = SplitKind.ChronologicalPerUser), RandomLog);

        InteractionTable train = prepared.Dataset.Train;
        InteractionTable validation = prepared.Dataset.Validation;
        var latestTrain = new long[prepared.Dataset.UserCount];
        Array.Fill(latestTrain, long.MinValue);
        for (int row = 0; row < train.Count; row++)
        {
            latestTrain[train.Users[row]] = Math.Max(latestTrain[train.Users[row]], train.Timestamps[row]);
        }

        Assert.Equal(60 * 3, validation.Count);
        for (int row = 0; row < validation.Count; row++)
        {
            Assert.True(validation.Timestamps[row] >= latestTrain[validation.Users[row]]);
        }
    }

    [Fact]
    public async Task BuildAsync_ChronologicalLastN_HoldsOutLastNButKeepsOneForTraining()
    {
        PreprocessingOptions options = Options(o => (o.Split.Kind, o.Split.ValidationLastN) = (SplitKind.ChronologicalPerUser, 2));
        InteractionLogInput log = Pairs("a.parquet", (1, 10), (1, 11), (1, 12), (1, 13), (2, 10), (2, 11));

        PreprocessedDataset prepared = await BuildAsync(options, log);

        Assert.Equal([(0, 2), (0, 3), (1, 1)], PairsOf(prepared.Dataset.Validation).Order());
    }

    [Fact]
    public async Task BuildAsync_LastNWithoutChronologicalSplit_ThrowsValidationException()
    {
        PreprocessingOptions options = Options(o => o.Split.ValidationLastN = 1);

        await Assert.ThrowsAsync<System.ComponentModel.DataAnnotations.ValidationException>(() => BuildAsync(options, RandomLog));
    }

    [Theory]
    [InlineData(SplitKind.StratifiedPerItem, SplitDraws.PerPair, 0.0, 0.02)]
    [InlineData(SplitKind.RandomPerUser, SplitDraws.PerPair, 0.0, 0.02)]
    [InlineData(SplitKind.StratifiedPerItem, SplitDraws.RowOrder, 0.25, 0.5)]
    public async Task BuildAsync_NewLogSortingBeforeTheOld_OldInteractionsKeepTheirSideUnlessDrawnInRowOrder(SplitKind kind, SplitDraws draws, double leastMoved, double mostMoved)
    {
        // Spark names each job's part files afresh, so new files sort among the old ones.
        InteractionLogInput old = Random("part-b.parquet", users: 300, items: 80, perUser: 20, seed: 7);
        InteractionLogInput added = Random("part-a.parquet", users: 300, items: 80, perUser: 1, seed: 8);
        PreprocessingOptions options = Options(o => (o.Split.Kind, o.Split.Draws) = (kind, draws));

        PreprocessedDataset before = await BuildAsync(options, old);
        PreprocessedDataset after = await BuildAsync(options, added, old);

        HashSet<(string, string)> heldOutAfter = ExternalPairsOf(after.Dataset, after.Dataset.Validation);
        var oldPairs = ExternalPairsOf(before.Dataset, before.Dataset.Train).Select(pair => (pair, heldOut: false))
            .Concat(ExternalPairsOf(before.Dataset, before.Dataset.Validation).Select(pair => (pair, heldOut: true)))
            .ToList();
        double moved = oldPairs.Count(entry => heldOutAfter.Contains(entry.pair) != entry.heldOut) / (double)oldPairs.Count;
        Assert.InRange(moved, leastMoved, mostMoved);
    }

    private static HashSet<(string User, string Item)> ExternalPairsOf(CuratedDataset dataset, InteractionTable table) =>
        [.. Enumerable.Range(0, table.Count).Select(row => (dataset.UserIds[table.Users[row]], dataset.ItemIds[table.Items[row]]))];

    private static int[] CountPerGroup(int[] codes, int groups)
    {
        var counts = new int[groups];
        foreach (int code in codes)
        {
            counts[code]++;
        }

        return counts;
    }

    private static HashSet<(int User, int Item)> PairsOf(InteractionTable table) =>
        [.. Enumerable.Range(0, table.Count).Select(row => (table.Users[row], table.Items[row]))];
}
