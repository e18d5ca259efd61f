using Recommender.Core.Datasets;
using Recommender.Core.Models;
using Recommender.Core.Scoring;

namespace Recommender.Core.Tests.Scoring;

public sealed class TopKScorerTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(10)]
    [InlineData(37)]
    public void ScoreAll_IntegerFactorsWithManyTies_MatchesBruteForce(int k)
    {
        var factors = IntegerFactors(seed: 11, users: 53, items: 97, dimension: 3, range: 2);
        var seen = RandomSeen(seed: 12, users: 53, items: 97, perUser: 20);
        using var scorer = new TopKScorer(factors, seen, batchSize: 8);

        var lists = scorer.ScoreAll(k);

        AssertMatchesReference(factors, seen, k, lists);
    }

    [Fact]
    public void ScoreAll_FloatFactors_MatchesBruteForceScoresWithinTolerance()
    {
        var random = new Random(21);
        var factors = new FactorSnapshot(
            RandomFloats(random, 40 * 16), RandomFloats(random, 300 * 16), 40, 300, 16);
        var seen = RandomSeen(seed: 22, users: 40, items: 300, perUser: 30);
        using var scorer = new TopKScorer(factors, seen, batchSize: 7);

        var lists = scorer.ScoreAll(10);

        for (int user = 0; user < 40; user++)
        {
            var (items, scores) = Reference(factors, seen, user, 10);
            Assert.Equal(items, lists.ItemsOf(user).ToArray());
            for (int rank = 0; rank < items.Length; rank++)
            {
                Assert.Equal(scores[rank], lists.ScoresOf(user)[rank], 4);
            }
        }
    }

    [Fact]
    public void ScoreRows_BlockOfUsersGivenByTheirRows_MatchesScoringThemFromTheSnapshot()
    {
        var factors = IntegerFactors(seed: 31, users: 30, items: 60, dimension: 4, range: 3);
        var seen = RandomSeen(seed: 32, users: 30, items: 60, perUser: 12);
        using var full = new TopKScorer(factors, seen, batchSize: 4);
        using var itemsOnly = new TopKScorer(new FactorSnapshot([], factors.ItemFactors, 0, 60, 4), batchSize: 4);
        float[] rows = factors.UserFactors.AsSpan(10 * 4, 10 * 4).ToArray();
        var rowsSeen = new UserItemSets(
            Enumerable.Range(10, 11).Select(user => Enumerable.Range(10, user - 10).Sum(seen.CountOf)).ToArray(),
            Enumerable.Range(10, 10).SelectMany(user => seen.ItemsOf(user).ToArray()).ToArray(),
            60);

        var expected = full.ScoreUsers(7, 10, 20);
        var actual = itemsOnly.ScoreRows(7, rows, 10, rowsSeen);

        Assert.All(Enumerable.Range(0, 10), row =>
        {
            Assert.Equal(expected.ItemsOf(row).ToArray(), actual.ItemsOf(row).ToArray());
            Assert.Equal(expected.ScoresOf(row).ToArray(), actual.ScoresOf(row).ToArray());
        });
    }

    [Fact]
    public void ScoreAll_AllScoresEqual_RanksLowerItemIndexFirst()
    {
        var factors = new FactorSnapshot(Enumerable.Repeat(1f, 2).ToArray(), Enumerable.Repeat(1f, 50).ToArray(), 2, 50, 1);
        var seen = Sets(50, [3, 0], []);
        using var scorer = new TopKScorer(factors, seen);

        var lists = scorer.ScoreAll(5);

        Assert.Equal([1, 2, 4, 5, 6], lists.ItemsOf(0).ToArray());
        Assert.Equal([0, 1, 2, 3, 4], lists.ItemsOf(1).ToArray());
    }

    [Fact]
    public void ScoreAll_KAboveUnseenItems_ReturnsOnlyTheUnseenOnes()
    {
        var factors = IntegerFactors(seed: 31, users: 3, items: 6, dimension: 2, range: 3);
        var seen = Sets(6, [0, 2, 4], [1]);
        using var scorer = new TopKScorer(factors, seen);

        var lists = scorer.ScoreAll(10);

        Assert.Equal(6, lists.Capacity);
        Assert.Equal([1, 3, 5], lists.ItemsOf(0).ToArray().Order());
        Assert.Equal(5, lists.Counts[1]);
        Assert.Equal(6, lists.Counts[2]);
    }

    [Fact]
    public void ScoreAll_UserHasSeenEveryItem_ReturnsEmptyRow()
    {
        var factors = IntegerFactors(seed: 41, users: 2, items: 4, dimension: 2, range: 3);
        var seen = Sets(4, [0, 1, 2, 3], [2]);
        using var scorer = new TopKScorer(factors, seen);

        var lists = scorer.ScoreAll(3);

        Assert.Equal(0, lists.Counts[0]);
        Assert.True(lists.ItemsOf(0).IsEmpty);
        Assert.Equal(3, lists.Counts[1]);
    }

    [Fact]
    public void ScoreAll_RandomFactors_NeverReturnsASeenItem()
    {
        var random = new Random(51);
        var factors = new FactorSnapshot(RandomFloats(random, 120 * 8), RandomFloats(random, 500 * 8), 120, 500, 8);
        var seen = RandomSeen(seed: 52, users: 120, items: 500, perUser: 250);
        using var scorer = new TopKScorer(factors, seen, batchSize: 16);

        var lists = scorer.ScoreAll(100);

        for (int user = 0; user < 120; user++)
        {
            foreach (int item in lists.ItemsOf(user))
            {
                Assert.False(seen.Contains(user, item), $"user {user} got seen item {item}");
            }
        }
    }

    [Fact]
    public void ScoreUsers_ShardsConcatenated_EqualOneShard()
    {
        var factors = IntegerFactors(seed: 61, users: 101, items: 77, dimension: 4, range: 3);
        var seen = RandomSeen(seed: 62, users: 101, items: 77, perUser: 10);
        using var whole = new TopKScorer(factors, seen, batchSize: 32);
        using var sharded = new TopKScorer(factors, seen, batchSize: 5);
        var expected = whole.ScoreAll(12);

        int[] bounds = [0, 1, 30, 31, 77, 101];
        var items = new List<int>();
        var scores = new List<float>();
        var counts = new List<int>();
        for (int shard = 0; shard < bounds.Length - 1; shard++)
        {
            var part = sharded.ScoreUsers(12, bounds[shard], bounds[shard + 1]);
            Assert.Equal(bounds[shard], part.FirstUser);
            items.AddRange(part.Items);
            scores.AddRange(part.Scores);
            counts.AddRange(part.Counts);
        }

        Assert.Equal(expected.Items, items);
        Assert.Equal(expected.Scores, scores);
        Assert.Equal(expected.Counts, counts);
    }

    [Fact]
    public void ScoreAll_SeveralSelectionThreads_EqualsOneThread()
    {
        var factors = IntegerFactors(seed: 65, users: 90, items: 300, dimension: 3, range: 2);
        var seen = RandomSeen(seed: 66, users: 90, items: 300, perUser: 40);
        using var serial = new TopKScorer(factors, seen, batchSize: 25);
        using var parallel = new TopKScorer(factors, seen, batchSize: 25, selectionThreads: 3);

        var expected = serial.ScoreAll(20);
        var actual = parallel.ScoreAll(20);

        Assert.Equal(expected.Items, actual.Items);
        Assert.Equal(expected.Scores, actual.Scores);
        Assert.Equal(expected.Counts, actual.Counts);
    }

    [Fact]
    public void ScoreAll_EmptyCatalog_ReturnsEmptyRows()
    {
        var factors = new FactorSnapshot([1f, 2f], [], UserCount: 2, ItemCount: 0, Dimension: 1);
        using var scorer = new TopKScorer(factors);

        var lists = scorer.ScoreAll(10);

        Assert.Equal(2, lists.UserCount);
        Assert.All(lists.Counts, count => Assert.Equal(0, count));
    }

    [Fact]
    public void ScoreUsers_RangeBeyondUsers_Throws()
    {
        var factors = IntegerFactors(seed: 71, users: 3, items: 4, dimension: 2, range: 1);
        using var scorer = new TopKScorer(factors);

        Assert.Throws<ArgumentOutOfRangeException>(() => scorer.ScoreUsers(2, 1, 4));
    }

    [Fact]
    public void Constructor_FactorLengthDisagreesWithCounts_ThrowsNamingTheField()
    {
        var factors = new FactorSnapshot(new float[5], new float[8], 3, 4, 2);

        var error = Assert.Throws<ArgumentException>(() => new TopKScorer(factors));

        Assert.Contains("UserFactors", error.Message, StringComparison.Ordinal);
    }

    internal static FactorSnapshot IntegerFactors(int seed, int users, int items, int dimension, int range)
    {
        var random = new Random(seed);
        float Next() => random.Next(-range, range + 1);
        return new FactorSnapshot(
            Enumerable.Range(0, users * dimension).Select(_ => Next()).ToArray(),
            Enumerable.Range(0, items * dimension).Select(_ => Next()).ToArray(),
            users,
            items,
            dimension);
    }

    internal static UserItemSets RandomSeen(int seed, int users, int items, int perUser)
    {
        var random = new Random(seed);
        var rows = new List<int>();
        var columns = new List<int>();
        for (int user = 0; user < users; user++)
        {
            int count = random.Next(0, perUser + 1);
            for (int i = 0; i < count; i++)
            {
                rows.Add(user);
                columns.Add(random.Next(items));
            }
        }

        var table = new InteractionTable(rows.ToArray(), columns.ToArray(), new float[rows.Count], new long[rows.Count]);
        return UserItemSets.FromInteractions(table, users, items);
    }

    internal static UserItemSets Sets(int items, params int[][] perUser)
    {
        var rows = perUser.SelectMany((list, user) => list.Select(_ => user)).ToArray();
        var columns = perUser.SelectMany(list => list).ToArray();
        var table = new InteractionTable(rows, columns, new float[rows.Length], new long[rows.Length]);
        return UserItemSets.FromInteractions(table, perUser.Length, items);
    }

    private static float[] RandomFloats(Random random, int count) =>
        Enumerable.Range(0, count).Select(_ => (float)((random.NextDouble() * 2) - 1)).ToArray();

    private static (int[] Items, float[] Scores) Reference(FactorSnapshot factors, UserItemSets seen, int user, int k)
    {
        int d = factors.Dimension;
        var candidates = new List<(int Item, float Score)>();
        for (int item = 0; item < factors.ItemCount; item++)
        {
            if (seen.Contains(user, item))
            {
                continue;
            }

            double score = 0;
            for (int c = 0; c < d; c++)
            {
                score += (double)factors.UserFactors[(user * d) + c] * factors.ItemFactors[(item * d) + c];
            }

            candidates.Add((item, (float)score));
        }

        var best = candidates.OrderByDescending(c => c.Score).ThenBy(c => c.Item).Take(k).ToArray();
        return (best.Select(c => c.Item).ToArray(), best.Select(c => c.Score).ToArray());
    }

    private static void AssertMatchesReference(FactorSnapshot factors, UserItemSets seen, int k, RecommendationLists lists)
    {
        Assert.Equal(factors.UserCount, lists.UserCount);
        for (int user = 0; user < factors.UserCount; user++)
        {
            var (items, scores) = Reference(factors, seen, user, k);
            Assert.Equal(items, lists.ItemsOf(user).ToArray());
            Assert.Equal(scores, lists.ScoresOf(user).ToArray());
        }
    }
}
