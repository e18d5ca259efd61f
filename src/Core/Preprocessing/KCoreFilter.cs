namespace Recommender.Core.Preprocessing;

/// <summary>What the k-core filter removed.</summary>
/// <param name="Rows">Interactions removed.</param>
/// <param name="Users">Users left without interactions.</param>
/// <param name="Items">Items left without interactions.</param>
/// <param name="Passes">Passes over the rows until nothing changed (0 when the filter is off).</param>
public sealed record KCoreRemovals(long Rows, int Users, int Items, int Passes);

/// <summary>
/// Iterative k-core: removes interactions of users with fewer than the minimum interactions and of items with fewer
/// than theirs, and repeats, since each removal can push another user or item below its minimum, until every
/// remaining user and item meets its minimum. The result is the largest such subset, whatever the order of removals.
/// </summary>
internal static class KCoreFilter
{
    public static KCoreRemovals Apply(InteractionColumns columns, int userCodeCount, int itemCodeCount, int minUserInteractions, int minItemInteractions)
    {
        if (minUserInteractions <= 1 && minItemInteractions <= 1)
        {
            return new KCoreRemovals(0, 0, 0, 0);
        }

        int count = columns.Count;
        int[] users = columns.Users;
        int[] items = columns.Items;
        var userDegree = new int[userCodeCount];
        var itemDegree = new int[itemCodeCount];
        for (int row = 0; row < count; row++)
        {
            userDegree[users[row]]++;
            itemDegree[items[row]]++;
        }

        int usersBefore = CountPresent(userDegree);
        int itemsBefore = CountPresent(itemDegree);
        long removed = 0;
        int passes = 0;
        bool changed = true;
        while (changed)
        {
            changed = false;
            passes++;
            for (int row = 0; row < count; row++)
            {
                int user = users[row];
                if (user < 0)
                {
                    continue;
                }

                int item = items[row];
                if (userDegree[user] < minUserInteractions || itemDegree[item] < minItemInteractions)
                {
                    // Degrees drop at once, so later rows of this pass already see the effect.
                    userDegree[user]--;
                    itemDegree[item]--;
                    users[row] = -1;
                    removed++;
                    changed = true;
                }
            }
        }

        if (removed > 0)
        {
            columns.Compact();
        }

        return new KCoreRemovals(removed, usersBefore - CountPresent(userDegree), itemsBefore - CountPresent(itemDegree), passes);
    }

    private static int CountPresent(int[] degrees)
    {
        int present = 0;
        foreach (int degree in degrees)
        {
            if (degree > 0)
            {
                present++;
            }
        }

        return present;
    }
}
