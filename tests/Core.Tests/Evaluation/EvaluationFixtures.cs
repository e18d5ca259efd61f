using Recommender.Core.Datasets;
using Recommender.Core.Scoring;

namespace Recommender.Core.Tests.Evaluation;

internal static class EvaluationFixtures
{
    /// <summary>Ranked lists for users 0..n-1 from jagged arrays (best first).</summary>
    public static RecommendationLists Lists(int capacity, params int[][] perUser)
    {
        var lists = new RecommendationLists(0, perUser.Length, capacity);
        for (int user = 0; user < perUser.Length; user++)
        {
            lists.SetRow(user, perUser[user], perUser[user].Select((_, rank) => (float)-rank).ToArray());
        }

        return lists;
    }

    /// <summary>Item sets for users 0..n-1.</summary>
    public static UserItemSets Sets(int itemCount, params int[][] perUser)
    {
        var users = perUser.SelectMany((items, user) => items.Select(_ => user)).ToArray();
        var items = perUser.SelectMany(list => list).ToArray();
        return UserItemSets.FromInteractions(new InteractionTable(users, items, new float[users.Length], new long[users.Length]), perUser.Length, itemCount);
    }
}
