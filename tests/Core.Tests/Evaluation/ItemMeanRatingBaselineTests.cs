using Recommender.Core.Datasets;
using Recommender.Core.Evaluation;

namespace Recommender.Core.Tests.Evaluation;

public sealed class ItemMeanRatingBaselineTests
{
    [Fact]
    public void Evaluate_ItemsWithAndWithoutTrainingRatings_PredictsItemMeanElseGlobalMean()
    {
        // Item 0 is rated 4 and 2 in train (mean 3); item 1 only 5 (mean 5); item 2 never (global mean 11/3).
        var dataset = new CuratedDataset
        {
            Version = "v",
            UserIds = ["a", "b"],
            ItemIds = ["x", "y", "z"],
            IsExplicit = true,
            Train = new InteractionTable([0, 1, 0], [0, 0, 1], [4f, 2f, 5f], new long[3]),
            Validation = new InteractionTable([1, 0], [1, 2], [4f, 3f], new long[2]),
        };

        RatingMetrics metrics = ItemMeanRatingBaseline.Evaluate(dataset);

        double first = 5.0 - 4.0;
        double second = (11.0 / 3.0) - 3.0;
        Assert.Equal(2, metrics.Count);
        Assert.Equal(Math.Sqrt(((first * first) + (second * second)) / 2), metrics.Rmse, 5);
        Assert.Equal((first + second) / 2, metrics.Mae, 5);
    }
}
