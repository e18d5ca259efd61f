using Recommender.Core.Preprocessing;

namespace Recommender.Core.Tests.Preprocessing;

/// <summary>
/// The stratified split against a direct transcription of python_stratified_split: draw np.random.rand per row,
/// sort each group by its draws, rank = (position + 1) / size, train when rank &lt;= ratio.
/// </summary>
public sealed class StratifiedSplitReferenceTests
{
    [Theory]
    [InlineData(0.75, 42, false)]
    [InlineData(0.75, 42, true)]
    [InlineData(0.8, 7, false)]
    [InlineData(0.3, 1234, true)]
    public void HoldOut_Stratified_MatchesReferenceSortAndRank(double ratio, int seed, bool byUser)
    {
        InteractionColumns columns = SkewedColumns(rows: 5000, users: 90, items: 300, seed: 5);
        var options = new SplitOptions
        {
            Kind = byUser ? SplitKind.StratifiedPerUser : SplitKind.StratifiedPerItem,
            TrainRatio = ratio,
            Seed = seed,
            Draws = SplitDraws.RowOrder,
        };

        bool[] heldOut = InteractionSplitter.HoldOut(columns, Ids("u", 90), Ids("i", 300), options);

        int[] groups = byUser ? columns.Users : columns.Items;
        Assert.Equal(ReferenceHeldOut(groups, columns.Count, ratio, (uint)seed), heldOut);
    }

    [Theory]
    [InlineData(4, 0.75, 3)]
    [InlineData(1, 0.75, 0)]
    [InlineData(10, 0.7, 7)]
    [InlineData(10, 0.3, 3)]
    [InlineData(3, 0.999, 2)]
    public void StratifiedTrainCount_GroupSize_CountsRanksWithinRatio(int length, double ratio, int expected)
    {
        Assert.Equal(expected, InteractionSplitter.StratifiedTrainCount(length, ratio));
    }

    private static bool[] ReferenceHeldOut(int[] groups, int count, double ratio, uint seed)
    {
        var random = new LegacyMersenneTwister(seed);
        double[] draws = [.. Enumerable.Range(0, count).Select(_ => random.NextDouble())];
        var heldOut = new bool[count];
        foreach (var group in Enumerable.Range(0, count).GroupBy(row => groups[row]))
        {
            int[] ordered = [.. group.OrderBy(row => draws[row])];
            for (int position = 0; position < ordered.Length; position++)
            {
                double rank = (double)(position + 1) / ordered.Length;
                heldOut[ordered[position]] = rank > ratio;
            }
        }

        return heldOut;
    }

    /// <summary>Rows with popular and rare users and items, so group sizes range from one to hundreds.</summary>
    private static InteractionColumns SkewedColumns(int rows, int users, int items, int seed)
    {
        var random = new Random(seed);
        var columns = new InteractionColumns();
        columns.EnsureRoom(rows);
        for (int row = 0; row < rows; row++)
        {
            int user = (int)(users * Math.Pow(random.NextDouble(), 2));
            int item = (int)(items * Math.Pow(random.NextDouble(), 3));
            columns.Append(user, item, 1f, row);
        }

        return columns;
    }

    private static string[] Ids(string prefix, int count) => [.. Enumerable.Range(0, count).Select(index => $"{prefix}{index}")];
}
