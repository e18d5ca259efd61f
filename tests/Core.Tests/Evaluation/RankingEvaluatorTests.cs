using Recommender.Core.Evaluation;
using static Recommender.Core.Tests.Evaluation.EvaluationFixtures;

namespace Recommender.Core.Tests.Evaluation;

public sealed class RankingEvaluatorTests
{
    private const double Tolerance = 1e-9;

    [Fact]
    public void Evaluate_FewerRelevantThanK_IdealDcgAndMapAtKUseRelevantCount()
    {
        // Hits at ranks 1 and 3 out of 3 relevant items, K = 5.
        var predictions = Lists(5, [1, 2, 3, 4, 5]);
        var relevant = Sets(10, [1, 3, 9]);

        var metrics = RankingEvaluator.Evaluate(predictions, relevant, 5);

        double dcg = 1 + (1 / Math.Log2(4));
        double idealDcg = 1 + (1 / Math.Log2(3)) + (1 / Math.Log2(4));
        Assert.Equal(0.4, metrics.Precision, Tolerance);
        Assert.Equal(2.0 / 3, metrics.Recall, Tolerance);
        Assert.Equal(dcg / idealDcg, metrics.Ndcg, Tolerance);
        Assert.Equal((1 + (2.0 / 3)) / 3, metrics.Map, Tolerance);
        Assert.Equal((1 + (2.0 / 3)) / 3, metrics.MapAtK, Tolerance);
    }

    [Fact]
    public void Evaluate_MoreRelevantThanK_MapDividesByRelevantAndMapAtKByK()
    {
        var predictions = Lists(2, [7, 8]);
        var relevant = Sets(12, [7, 8, 9, 10, 11]);

        var metrics = RankingEvaluator.Evaluate(predictions, relevant, 2);

        Assert.Equal(1.0, metrics.Precision, Tolerance);
        Assert.Equal(0.4, metrics.Recall, Tolerance);
        Assert.Equal(1.0, metrics.Ndcg, Tolerance);
        Assert.Equal(2.0 / 5, metrics.Map, Tolerance);
        Assert.Equal(1.0, metrics.MapAtK, Tolerance);
    }

    [Fact]
    public void Evaluate_ListShorterThanK_PrecisionStillDividesByK()
    {
        var predictions = Lists(10, [4]);
        var relevant = Sets(5, [4]);

        var metrics = RankingEvaluator.Evaluate(predictions, relevant, 10);

        Assert.Equal(0.1, metrics.Precision, Tolerance);
        Assert.Equal(1.0, metrics.Recall, Tolerance);
        Assert.Equal(1.0, metrics.Ndcg, Tolerance);
        Assert.Equal(1.0, metrics.MapAtK, Tolerance);
    }

    [Fact]
    public void Evaluate_ListLongerThanK_CountsOnlyTheFirstK()
    {
        var predictions = Lists(4, [0, 1, 2, 3]);
        var relevant = Sets(4, [2, 3]);

        var metrics = RankingEvaluator.Evaluate(predictions, relevant, 2);

        Assert.Equal(0, metrics.Precision);
        Assert.Equal(0, metrics.Ndcg);
        Assert.Equal(1, metrics.UserCount);
    }

    [Fact]
    public void Evaluate_UsersOnlyInTruthOrOnlyInPredictions_AreNotAveraged()
    {
        // User 0: perfect. User 1: truth only (empty list). User 2: predictions only (no truth).
        var predictions = Lists(1, [3], [], [1]);
        var relevant = Sets(5, [3], [2], []);

        var metrics = RankingEvaluator.Evaluate(predictions, relevant, 1);

        Assert.Equal(1, metrics.UserCount);
        Assert.Equal(1.0, metrics.Precision, Tolerance);
        Assert.Equal(1.0, metrics.Ndcg, Tolerance);
    }

    [Fact]
    public void Evaluate_NoUserInBoth_ReturnsZerosWithNoUsers()
    {
        var predictions = Lists(2, [], [1, 2]);
        var relevant = Sets(3, [1], []);

        var metrics = RankingEvaluator.Evaluate(predictions, relevant, 2);

        Assert.Equal(new RankingMetrics(2, 0, 0, 0, 0, 0, 0, 2.0 / 3), metrics);
    }

    [Fact]
    public void Evaluate_RecommendersReferenceData_MatchesTheirPublishedValues()
    {
        // Microsoft Recommenders' evaluation fixture (users 1-3, items 1-14), each list sorted by prediction.
        var predictions = Lists(10, [], [3, 10, 12], [10, 3, 5, 11, 13], [4, 10, 7, 13, 1, 3, 5, 2, 11, 14]);
        var relevant = Sets(15, [], [1, 2, 3], [1, 4, 5, 6, 7], [2, 5, 6, 8, 9, 10, 11, 12, 13, 14]);

        var metrics = RankingEvaluator.Evaluate(predictions, relevant, 10);

        Assert.Equal(0.26666, metrics.Precision, 1e-5);
        Assert.Equal(0.37777, metrics.Recall, 1e-5);
        Assert.Equal(0.38172, metrics.Ndcg, 1e-5);
        Assert.Equal(0.23613, metrics.Map, 1e-5);
        Assert.Equal(0.23613, metrics.MapAtK, 1e-5);
    }

    [Fact]
    public void Evaluate_CatalogCoverage_CountsDistinctItemsInTopKOverCatalog()
    {
        var predictions = Lists(3, [0, 1, 9], [1, 2, 8]);
        var relevant = Sets(10, [0], [2]);

        var metrics = RankingEvaluator.Evaluate(predictions, relevant, 2);

        Assert.Equal(3 / 10.0, metrics.CatalogCoverage, Tolerance);
    }

    [Fact]
    public void Evaluate_ManyUsersAcrossPartitions_EqualsPerUserAverage()
    {
        var random = new Random(3);
        int users = 10_000;
        var lists = Enumerable.Range(0, users).Select(_ => Enumerable.Range(0, 50).OrderBy(_ => random.Next()).Take(5).ToArray()).ToArray();
        var truth = Enumerable.Range(0, users).Select(_ => Enumerable.Range(0, 50).Where(_ => random.Next(10) == 0).ToArray()).ToArray();

        var metrics = RankingEvaluator.Evaluate(Lists(5, lists), Sets(50, truth), 5);

        var counted = Enumerable.Range(0, users).Where(user => truth[user].Length > 0).ToArray();
        double expectedRecall = counted.Average(user => (double)lists[user].Count(truth[user].Contains) / truth[user].Length);
        Assert.Equal(counted.Length, metrics.UserCount);
        Assert.Equal(expectedRecall, metrics.Recall, 1e-12);
    }

    [Fact]
    public void NdcgByUser_ReferenceData_PairsUsersByRowAndAveragesToTheNdcg()
    {
        var predictions = Lists(10, [], [3, 10, 12], [10, 3, 5, 11, 13], [4, 10, 7, 13, 1, 3, 5, 2, 11, 14]);
        var relevant = Sets(15, [], [1, 2, 3], [1, 4, 5, 6, 7], [2, 5, 6, 8, 9, 10, 11, 12, 13, 14]);

        double[] byUser = RankingEvaluator.NdcgByUser(predictions, relevant, 10);

        Assert.Equal(4, byUser.Length);
        Assert.True(double.IsNaN(byUser[0]), "a user without held-out items has no value");
        Assert.Equal(RankingEvaluator.Evaluate(predictions, relevant, 10).Ndcg, byUser.Skip(1).Average(), 1e-12);
        Assert.Equal(1 / Math.Log2(2) / (1 + (1 / Math.Log2(3)) + (1 / Math.Log2(4))), byUser[1], 1e-12);
    }

    [Fact]
    public void ToDictionary_K10_NamesMetricsWithTheCutOff()
    {
        var metrics = new RankingMetrics(10, 3, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6);

        var named = metrics.ToDictionary();

        Assert.Equal(0.3, named["ndcg@10"]);
        Assert.Equal(0.4, named["map"]);
        Assert.Equal(0.5, named["map@10"]);
    }
}
