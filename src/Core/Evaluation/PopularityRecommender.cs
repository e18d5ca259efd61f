using Recommender.Core.Datasets;
using Recommender.Core.Scoring;

namespace Recommender.Core.Evaluation;

/// <summary>
/// The baseline every model must beat: items ranked by how often they occur in the training
/// interactions (ties to the lower item index), minus what each user has already seen. Items that
/// never occur in training are never recommended.
/// </summary>
public sealed class PopularityRecommender
{
    private const int UsersPerPartition = 2048;

    private readonly int[] _trainingCounts;
    private readonly int[] _itemsByPopularity;

    /// <summary>Counts each item's training interactions (every row counts once, whatever its weight).</summary>
    public PopularityRecommender(InteractionTable train, int itemCount)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentOutOfRangeException.ThrowIfNegative(itemCount);
        _trainingCounts = new int[itemCount];
        for (int row = 0; row < train.Count; row++)
        {
            int item = train.Items[row];
            if ((uint)item >= (uint)itemCount)
            {
                throw new ArgumentOutOfRangeException(nameof(train), $"Row {row} has item index {item}, outside [0, {itemCount}).");
            }

            _trainingCounts[item]++;
        }

        _itemsByPopularity = Enumerable.Range(0, itemCount)
            .Where(item => _trainingCounts[item] > 0)
            .OrderByDescending(item => _trainingCounts[item])
            .ThenBy(item => item)
            .ToArray();
    }

    /// <summary>Number of items in the catalog.</summary>
    public int ItemCount => _trainingCounts.Length;

    /// <summary>Items that occur in training, most popular first.</summary>
    public ReadOnlySpan<int> ItemsByPopularity => _itemsByPopularity;

    /// <summary>Creates the baseline from a curated dataset's training interactions.</summary>
    public static PopularityRecommender FromDataset(CuratedDataset dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        return new PopularityRecommender(dataset.Train, dataset.ItemCount);
    }

    /// <summary>Number of training interactions of <paramref name="item"/> (its score).</summary>
    public int TrainingCount(int item) => _trainingCounts[item];

    /// <summary>The top <paramref name="k"/> items for a user with no history (unknown users), with their counts as scores.</summary>
    public (int[] Items, float[] Scores) MostPopular(int k)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        int[] items = _itemsByPopularity[..Math.Min(k, _itemsByPopularity.Length)];
        return (items, items.Select(item => (float)_trainingCounts[item]).ToArray());
    }

    /// <summary>
    /// The top <paramref name="k"/> unseen items of users [<paramref name="fromUser"/>, <paramref name="toUser"/>),
    /// in the same shape as top-K scoring produces.
    /// </summary>
    /// <param name="k">List length.</param>
    /// <param name="fromUser">First user (inclusive).</param>
    /// <param name="toUser">Last user (exclusive).</param>
    /// <param name="seen">Items to leave out per user; users beyond its range have seen nothing.</param>
    public RecommendationLists Recommend(int k, int fromUser, int toUser, UserItemSets? seen)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        if (fromUser < 0 || toUser < fromUser)
        {
            throw new ArgumentOutOfRangeException(nameof(toUser), $"User range [{fromUser}, {toUser}) is invalid.");
        }

        int capacity = Math.Min(k, _itemsByPopularity.Length);
        var lists = new RecommendationLists(fromUser, toUser - fromUser, capacity);
        if (capacity == 0)
        {
            return lists;
        }

        int partitions = (lists.UserCount + UsersPerPartition - 1) / UsersPerPartition;
        Parallel.For(0, partitions, partition =>
        {
            int end = Math.Min(lists.UserCount, (partition + 1) * UsersPerPartition);
            for (int row = partition * UsersPerPartition; row < end; row++)
            {
                var excluded = seen is null ? [] : seen.ItemsOf(fromUser + row);
                var items = lists.Items.AsSpan(row * capacity, capacity);
                var scores = lists.Scores.AsSpan(row * capacity, capacity);
                int count = 0;
                foreach (int item in _itemsByPopularity)
                {
                    if (excluded.BinarySearch(item) >= 0)
                    {
                        continue;
                    }

                    items[count] = item;
                    scores[count] = _trainingCounts[item];
                    if (++count == capacity)
                    {
                        break;
                    }
                }

                lists.Counts[row] = count;
            }
        });

        return lists;
    }
}
