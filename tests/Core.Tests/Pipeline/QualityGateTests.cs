using Recommender.Core.Pipeline;

namespace Recommender.Core.Tests.Pipeline;

public sealed class QualityGateTests
{
    private static readonly PipelineRunSettings Settings = PipelineRunSettings.From(new PipelineOptions { MinNdcgVersusPopularity = 1.0, MaxRegressionVersusLive = 0.05 });

    [Fact]
    public void Decide_RankingModelAbovePopularity_Passes()
    {
        var evaluation = new ModelEvaluation(10, Metrics(("ndcg@10", 0.30)), Metrics(("ndcg@10", 0.20)), null);

        (bool passed, string reason) = QualityGate.Decide(evaluation, Settings);

        Assert.True(passed, reason);
        Assert.Contains("ndcg@10 0.3000", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_RankingModelBelowPopularity_FailsNamingNdcg()
    {
        var evaluation = new ModelEvaluation(10, Metrics(("ndcg@10", 0.10), ("rmse", 0.5)), Metrics(("ndcg@10", 0.20), ("rmse", 1.0)), null);

        (bool passed, string reason) = QualityGate.Decide(evaluation, Settings);

        Assert.False(passed);
        Assert.Contains("below", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_RankingModelOnlyTyingPopularity_FailsSayingItDoesNotBeatIt()
    {
        // What a log of a handful of rows gives: both rank the same few items.
        var evaluation = new ModelEvaluation(10, Metrics(("ndcg@10", 0.7753)), Metrics(("ndcg@10", 0.7753)), null);

        (bool passed, string reason) = QualityGate.Decide(evaluation, Settings);

        Assert.False(passed);
        Assert.Equal("ndcg@10 0.7753 does not beat 1.00 x popularity's 0.7753.", reason);
    }

    [Fact]
    public void Decide_RatingModelOnlyTyingTheItemMeans_FailsSayingItDoesNotBeatThem()
    {
        var evaluation = new ModelEvaluation(10, Metrics(("rmse", 1.03)), Metrics(("rmse", 1.03)), null, GatesOnRatings: true);

        (bool passed, string reason) = QualityGate.Decide(evaluation, Settings);

        Assert.False(passed);
        Assert.Equal("rmse 1.0300 does not beat the item-mean baseline's 1.0300 / 1.00.", reason);
    }

    [Fact]
    public void Decide_FactorZero_PassesAModelTyingPopularity()
    {
        var evaluation = new ModelEvaluation(10, Metrics(("ndcg@10", 0.20)), Metrics(("ndcg@10", 0.20)), null);

        (bool passed, string reason) = QualityGate.Decide(evaluation, PipelineRunSettings.From(new PipelineOptions { MinNdcgVersusPopularity = 0 }));

        Assert.True(passed, reason);
    }

    [Fact]
    public void Decide_RatingModelWithLowerRmseThanItemMeansButLowerNdcgThanPopularity_Passes()
    {
        var evaluation = new ModelEvaluation(10, Metrics(("ndcg@10", 0.12), ("rmse", 0.92)), Metrics(("ndcg@10", 0.25), ("rmse", 1.03)), null, GatesOnRatings: true);

        (bool passed, string reason) = QualityGate.Decide(evaluation, Settings);

        Assert.True(passed, reason);
        Assert.Equal("rmse", evaluation.GateMetric);
        Assert.Contains("item-mean baseline 1.0300", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_RatingModelWithHigherRmseThanItemMeans_FailsNamingRmse()
    {
        var evaluation = new ModelEvaluation(10, Metrics(("rmse", 1.10)), Metrics(("rmse", 1.03)), null, GatesOnRatings: true);

        (bool passed, string reason) = QualityGate.Decide(evaluation, Settings);

        Assert.False(passed);
        Assert.Contains("rmse 1.1000 is above the item-mean baseline's 1.0300", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_RatingModelRmseMoreThanAllowedAboveLive_Fails()
    {
        var evaluation = new ModelEvaluation(10, Metrics(("rmse", 0.99)), Metrics(("rmse", 1.03)), Metrics(("rmse", 0.90)), GatesOnRatings: true);

        (bool passed, string reason) = QualityGate.Decide(evaluation, Settings);

        Assert.False(passed);
        Assert.Contains("above the live model's 0.9000", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_RatingModelRmseWithinAllowanceOfLive_Passes()
    {
        var evaluation = new ModelEvaluation(10, Metrics(("rmse", 0.93)), Metrics(("rmse", 1.03)), Metrics(("rmse", 0.90)), GatesOnRatings: true);

        (bool passed, string reason) = QualityGate.Decide(evaluation, Settings);

        Assert.True(passed, reason);
    }

    [Fact]
    public void Decide_LiveModelWithoutTheGateMetric_ComparesWithPopularityOnly()
    {
        var evaluation = new ModelEvaluation(10, Metrics(("rmse", 0.93)), Metrics(("rmse", 1.03)), Metrics(("ndcg@10", 0.40)), GatesOnRatings: true);

        (bool passed, string reason) = QualityGate.Decide(evaluation, Settings);

        Assert.True(passed, reason);
        Assert.DoesNotContain("live", reason, StringComparison.Ordinal);
    }

    private static Dictionary<string, double> Metrics(params (string Name, double Value)[] metrics) =>
        metrics.ToDictionary(metric => metric.Name, metric => metric.Value, StringComparer.Ordinal);
}
