using Recommender.Core.Evaluation;

namespace Recommender.Core.Tests.Evaluation;

public sealed class MetricNamesTests
{
    [Theory]
    [InlineData("users", 943, "943")]
    [InlineData("pairs", 25669, "25,669")]
    [InlineData("ndcg@10", 0.49714, "0.4971")]
    [InlineData("rmse", 0.9, "0.9000")]
    public void Format_CountsAsWholeNumbersMeasuresWithFourDecimals(string name, double value, string shown) =>
        Assert.Equal(shown, MetricNames.Format(name, value));
}
