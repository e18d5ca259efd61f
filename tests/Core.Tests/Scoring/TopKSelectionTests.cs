using Recommender.Core.Scoring;

namespace Recommender.Core.Tests.Scoring;

public sealed class TopKSelectionTests
{
    [Theory]
    [InlineData(1, 7)]
    [InlineData(10, 1000)]
    [InlineData(100, 1682)]
    [InlineData(64, 100)]
    [InlineData(5, 3)]
    [InlineData(100, 20000)]
    [InlineData(3, 129)]
    public void SelectRow_RandomScoresWithTiesAndExclusions_MatchesFullSort(int k, int length)
    {
        var random = new Random((k * 7919) + length);
        var scores = Enumerable.Range(0, length)
            .Select(_ => random.Next(10) == 0 ? float.NegativeInfinity : random.Next(-20, 20) / 4f)
            .ToArray();
        var candidates = new ulong[TopKSelection.ScratchLength(k)];
        var items = new int[k];
        var best = new float[k];

        int count = TopKSelection.SelectRow(scores, k, candidates, items, best);

        var expected = scores.Select((score, item) => (score, item))
            .Where(pair => pair.score > float.NegativeInfinity)
            .OrderByDescending(pair => pair.score).ThenBy(pair => pair.item)
            .Take(k).ToArray();
        Assert.Equal(expected.Select(pair => pair.item), items[..count]);
        Assert.Equal(expected.Select(pair => pair.score), best[..count]);
    }

    [Fact]
    public void SelectRow_LongRowOfEqualScores_ReturnsTheLowestItemIndices()
    {
        var scores = Enumerable.Repeat(0.5f, 5000).ToArray();
        var items = new int[10];
        var best = new float[10];

        int count = TopKSelection.SelectRow(scores, 10, new ulong[TopKSelection.ScratchLength(10)], items, best);

        Assert.Equal(10, count);
        Assert.Equal(Enumerable.Range(0, 10), items);
    }

    [Theory]
    [InlineData(10)]
    [InlineData(100)]
    public void SelectRow_LongRowMostlyExcludedOrNaN_MatchesFullSort(int k)
    {
        var random = new Random(k);
        var scores = Enumerable.Range(0, 4000)
            .Select(_ => random.Next(20) switch { 0 => (float)random.NextDouble(), 1 => float.NaN, 2 => float.PositiveInfinity, _ => float.NegativeInfinity })
            .ToArray();
        var items = new int[k];
        var best = new float[k];

        int count = TopKSelection.SelectRow(scores, k, new ulong[TopKSelection.ScratchLength(k)], items, best);

        var expected = scores.Select((score, item) => (score, item))
            .Where(pair => pair.score > float.NegativeInfinity && !float.IsNaN(pair.score))
            .OrderByDescending(pair => pair.score).ThenBy(pair => pair.item)
            .Take(k).ToArray();
        Assert.Equal(expected.Select(pair => pair.item), items[..count]);
    }

    [Fact]
    public void SelectRow_NaNAndNegativeZero_NaNNeverRanksAndZerosTieByItem()
    {
        float[] scores = [float.NaN, 0f, -0f, float.NaN, -1f];
        var items = new int[4];
        var best = new float[4];

        int count = TopKSelection.SelectRow(scores, 4, new ulong[TopKSelection.ScratchLength(4)], items, best);

        Assert.Equal(3, count);
        Assert.Equal([1, 2, 4], items[..count]);
    }

    [Theory]
    [InlineData(float.MaxValue)]
    [InlineData(float.Epsilon)]
    [InlineData(-float.Epsilon)]
    [InlineData(-123.5f)]
    [InlineData(float.PositiveInfinity)]
    public void PackUnpack_AnyScore_RoundTrips(float score)
    {
        var (unpacked, item) = TopKSelection.Unpack(TopKSelection.Pack(score, 12345));

        Assert.Equal(score, unpacked);
        Assert.Equal(12345, item);
    }
}
