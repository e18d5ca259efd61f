using Recommender.Core.Models;

namespace Recommender.Core.Tests.Models;

/// <summary>A blend's factors: each part's scores put on one scale per user, weighted, in one matrix product.</summary>
public sealed class BlendFactorsTests
{
    [Fact]
    public void ScoreSpreadByUser_IsTheStandardDeviationOfEachUsersScoresOverTheCatalog()
    {
        FactorSnapshot part = RandomSnapshot(users: 5, items: 40, dimension: 3, seed: 1);

        double[] spread = BlendFactors.ScoreSpreadByUser(part);

        for (int user = 0; user < part.UserCount; user++)
        {
            double[] scores = [.. Enumerable.Range(0, part.ItemCount).Select(item => FactorScores.Of(part, user, item))];
            double mean = scores.Average();
            double expected = Math.Sqrt(scores.Sum(score => (score - mean) * (score - mean)) / scores.Length);
            Assert.Equal(expected, spread[user], 5);
        }
    }

    [Fact]
    public void Combine_TwoParts_EachScoreIsTheWeightedSumOfThePartsScoresOverTheUsersSpread()
    {
        FactorSnapshot first = RandomSnapshot(users: 4, items: 30, dimension: 2, seed: 2);
        FactorSnapshot second = RandomSnapshot(users: 4, items: 30, dimension: 5, seed: 3, scale: 100);
        double[] firstSpread = BlendFactors.ScoreSpreadByUser(first);
        double[] secondSpread = BlendFactors.ScoreSpreadByUser(second);

        FactorSnapshot blend = BlendFactors.Combine([first, second], [0.7, 0.3]);

        Assert.Equal((4, 30, 7), (blend.UserCount, blend.ItemCount, blend.Dimension));
        for (int user = 0; user < 4; user++)
        {
            for (int item = 0; item < 30; item++)
            {
                double expected = (0.7 * FactorScores.Of(first, user, item) / firstSpread[user]) + (0.3 * FactorScores.Of(second, user, item) / secondSpread[user]);
                Assert.Equal(expected, FactorScores.Of(blend, user, item), 3);
            }
        }
    }

    [Fact]
    public void Combine_UserWhoseScoresFromAPartAreAllEqual_GetsNothingFromThatPart()
    {
        FactorSnapshot first = RandomSnapshot(users: 3, items: 10, dimension: 2, seed: 4);
        FactorSnapshot second = RandomSnapshot(users: 3, items: 10, dimension: 2, seed: 5);
        Array.Clear(second.UserFactors, 2, 2); // user 1 has no opinion in the second part

        FactorSnapshot blend = BlendFactors.Combine([first, second], [0.5, 0.5]);

        Assert.Equal([0f, 0f], blend.UserFactors.AsSpan((1 * 4) + 2, 2).ToArray());
        Assert.All(blend.UserFactors, value => Assert.True(float.IsFinite(value)));
    }

    [Fact]
    public void Combine_PartsOfOtherUsersOrWeightsMissing_Throws()
    {
        FactorSnapshot first = RandomSnapshot(users: 3, items: 10, dimension: 2, seed: 6);
        FactorSnapshot otherUsers = RandomSnapshot(users: 4, items: 10, dimension: 2, seed: 7);

        Assert.Throws<ArgumentException>(() => BlendFactors.Combine([first, otherUsers], [0.5, 0.5]));
        Assert.Throws<ArgumentException>(() => BlendFactors.Combine([first, first], [1.0]));
    }

    private static FactorSnapshot RandomSnapshot(int users, int items, int dimension, int seed, float scale = 1)
    {
        var random = new Random(seed);
        float[] Draw(int count) => [.. Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() - 0.5) * scale)];
        return new FactorSnapshot(Draw(users * dimension), Draw(items * dimension), users, items, dimension);
    }
}
