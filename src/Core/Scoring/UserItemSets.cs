using Recommender.Core.Datasets;

namespace Recommender.Core.Scoring;

/// <summary>
/// Each user's distinct items, sorted, in compressed sparse rows: the items a user has already
/// seen (excluded from scoring) or the held-out items that count as relevant (evaluation).
/// </summary>
public sealed class UserItemSets
{
    private readonly int[] _offsets;
    private readonly int[] _items;

    /// <summary>
    /// Wraps compressed rows: user <c>u</c> owns <c>items[offsets[u]..offsets[u + 1]]</c>, which must be
    /// strictly increasing item indices below <paramref name="itemCount"/>.
    /// </summary>
    public UserItemSets(int[] offsets, int[] items, int itemCount)
    {
        ArgumentNullException.ThrowIfNull(offsets);
        ArgumentNullException.ThrowIfNull(items);
        ArgumentOutOfRangeException.ThrowIfNegative(itemCount);
        if (offsets.Length == 0 || offsets[0] != 0 || offsets[^1] != items.Length)
        {
            throw new ArgumentException($"Offsets must start at 0 and end at the item count {items.Length}.", nameof(offsets));
        }

        for (int user = 0; user < offsets.Length - 1; user++)
        {
            if (offsets[user + 1] < offsets[user])
            {
                throw new ArgumentException($"Offsets decrease at user {user}.", nameof(offsets));
            }

            int previous = -1;
            for (int position = offsets[user]; position < offsets[user + 1]; position++)
            {
                int item = items[position];
                if (item <= previous || item >= itemCount)
                {
                    throw new ArgumentException(
                        $"Items of user {user} must be strictly increasing indices below {itemCount}; found {item} after {previous}.",
                        nameof(items));
                }

                previous = item;
            }
        }

        _offsets = offsets;
        _items = items;
        ItemCount = itemCount;
    }

    /// <summary>Number of users (rows).</summary>
    public int UserCount => _offsets.Length - 1;

    /// <summary>Size of the item catalog the indices refer to.</summary>
    public int ItemCount { get; }

    /// <summary>Total number of (user, item) pairs.</summary>
    public int PairCount => _items.Length;

    /// <summary>The sorted distinct items of <paramref name="user"/>; empty for users beyond <see cref="UserCount"/>.</summary>
    public ReadOnlySpan<int> ItemsOf(int user) =>
        (uint)user < (uint)UserCount ? _items.AsSpan(_offsets[user], _offsets[user + 1] - _offsets[user]) : [];

    /// <summary>Number of distinct items of <paramref name="user"/>.</summary>
    public int CountOf(int user) => (uint)user < (uint)UserCount ? _offsets[user + 1] - _offsets[user] : 0;

    /// <summary>True when <paramref name="user"/> has <paramref name="item"/>.</summary>
    public bool Contains(int user, int item) => ItemsOf(user).BinarySearch(item) >= 0;

    /// <summary>Sets with no items for <paramref name="userCount"/> users.</summary>
    public static UserItemSets Empty(int userCount, int itemCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(userCount);
        return new UserItemSets(new int[userCount + 1], [], itemCount);
    }

    /// <summary>
    /// Groups interactions by user into sorted distinct item sets (duplicates collapse to one).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A row's user or item index is outside the given counts.</exception>
    public static UserItemSets FromInteractions(InteractionTable interactions, int userCount, int itemCount)
    {
        ArgumentNullException.ThrowIfNull(interactions);
        return FromInteractions([interactions], userCount, itemCount);
    }

    /// <summary>
    /// Groups the interactions of several tables (train and held-out, say) by user into sorted distinct
    /// item sets, without concatenating the tables first.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A row's user or item index is outside the given counts.</exception>
    public static UserItemSets FromInteractions(IReadOnlyList<InteractionTable> tables, int userCount, int itemCount)
    {
        ArgumentNullException.ThrowIfNull(tables);
        ArgumentOutOfRangeException.ThrowIfNegative(userCount);
        ArgumentOutOfRangeException.ThrowIfNegative(itemCount);

        long rows = 0;
        var counts = new int[userCount + 1];
        foreach (InteractionTable table in tables)
        {
            ArgumentNullException.ThrowIfNull(table, nameof(tables));
            rows += table.Count;
            CountRows(table, counts, userCount, itemCount);
        }

        if (rows > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(tables), $"{rows} interactions do not fit one array.");
        }

        for (int user = 0; user < userCount; user++)
        {
            counts[user + 1] += counts[user];
        }

        var grouped = new int[rows];
        var cursor = counts.AsSpan(0, userCount).ToArray();
        foreach (InteractionTable table in tables)
        {
            int[] users = table.Users;
            int[] items = table.Items;
            for (int row = 0; row < users.Length; row++)
            {
                grouped[cursor[users[row]]++] = items[row];
            }
        }

        // Sort each user's slice and squeeze out duplicates in place, moving slices left as they shrink.
        var offsets = new int[userCount + 1];
        int written = 0;
        for (int user = 0; user < userCount; user++)
        {
            var slice = grouped.AsSpan(counts[user], counts[user + 1] - counts[user]);
            slice.Sort();
            offsets[user] = written;
            int previous = -1;
            foreach (int item in slice)
            {
                if (item != previous)
                {
                    grouped[written++] = item;
                    previous = item;
                }
            }
        }

        offsets[userCount] = written;
        return new UserItemSets(offsets, written == grouped.Length ? grouped : grouped[..written], itemCount);
    }

    private static void CountRows(InteractionTable interactions, int[] counts, int userCount, int itemCount)
    {
        int[] users = interactions.Users;
        int[] items = interactions.Items;
        for (int row = 0; row < users.Length; row++)
        {
            if ((uint)users[row] >= (uint)userCount)
            {
                throw new ArgumentOutOfRangeException(nameof(interactions), $"Row {row} has user index {users[row]}, outside [0, {userCount}).");
            }

            if ((uint)items[row] >= (uint)itemCount)
            {
                throw new ArgumentOutOfRangeException(nameof(interactions), $"Row {row} has item index {items[row]}, outside [0, {itemCount}).");
            }

            counts[users[row] + 1]++;
        }
    }
}
