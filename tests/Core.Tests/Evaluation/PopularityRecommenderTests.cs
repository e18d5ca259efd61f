using Recommender.Core.Datasets;
using Recommender.Core.Evaluation;
using static Recommender.Core.Tests.Evaluation.EvaluationFixtures;

namespace Recommender.Core.Tests.Evaluation;

public sealed class PopularityRecommenderTests
{
    // Item counts: 0 -> 1, 1 -> 3, 2 -> 3, 3 -> 0, 4 -> 2.
    private static readonly InteractionTable Train = new(
        [0, 0, 1, 1, 2, 2, 2, 0, 1],
        [1, 2, 1, 2, 1, 2, 4, 4, 0],
        new float[9],
        new long[9]);

    [Fact]
    public void ItemsByPopularity_TiedCounts_LowerIndexFirstAndUntrainedItemsLeftOut()
    {
        var popularity = new PopularityRecommender(Train, itemCount: 5);

        Assert.Equal([1, 2, 4, 0], popularity.ItemsByPopularity.ToArray());
    }

    [Fact]
    public void Recommend_SeenItems_AreSkipped()
    {
        var popularity = new PopularityRecommender(Train, itemCount: 5);
        var seen = Sets(5, [1, 2, 4], [0, 1, 2]);

        var lists = popularity.Recommend(2, 0, 2, seen);

        Assert.Equal([0], lists.ItemsOf(0).ToArray());
        Assert.Equal([4], lists.ItemsOf(1).ToArray());
        Assert.Equal([1f], lists.ScoresOf(0).ToArray());
    }

    [Fact]
    public void Recommend_UserWithoutHistory_GetsTheMostPopularItems()
    {
        var popularity = new PopularityRecommender(Train, itemCount: 5);
        var seen = Sets(5, [1]);

        var lists = popularity.Recommend(3, 5, 6, seen);
        var (items, scores) = popularity.MostPopular(3);

        Assert.Equal([1, 2, 4], lists.ItemsOf(0).ToArray());
        Assert.Equal([1, 2, 4], items);
        Assert.Equal([3f, 3f, 2f], scores);
    }
}
