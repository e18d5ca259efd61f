namespace Recommender.Core.Preprocessing;

/// <summary>
/// Combines the rows of each (user, item) pair into one by a <see cref="DuplicatePolicy"/>. The combined row takes
/// the place of the pair's first row, so the order of rows (and with it every later step) stays deterministic.
/// Runs in linear time: a counting sort groups rows by user, then each user's rows are sorted by item.
/// </summary>
internal static class DuplicateCombiner
{
    /// <summary>Combines duplicates in place and returns how many rows were folded into others.</summary>
    public static int Combine(InteractionColumns columns, int userCodeCount, DuplicatePolicy policy)
    {
        int count = columns.Count;
        if (count < 2)
        {
            return 0;
        }

        int[] users = columns.Users;
        int[] items = columns.Items;
        float[] weights = columns.Weights;
        long[] timestamps = columns.Timestamps;

        int[] start = RowGrouping.CountingOffsets(users, count, userCodeCount, out int largestGroup);
        int[] rowsByUser = RowGrouping.RowsByGroup(users, count, start, columns.Scratch(count));
        var keys = new long[largestGroup];
        int folded = 0;

        for (int user = 0; user < userCodeCount; user++)
        {
            int first = start[user];
            int length = start[user + 1] - first;
            if (length < 2)
            {
                continue;
            }

            // Item in the high half, row in the low half: sorting groups each item's rows in their original order.
            for (int offset = 0; offset < length; offset++)
            {
                int row = rowsByUser[first + offset];
                keys[offset] = ((long)items[row] << 32) | (uint)row;
            }

            Span<long> userKeys = keys.AsSpan(0, length);
            userKeys.Sort();
            int runStart = 0;
            while (runStart < length)
            {
                int item = (int)(userKeys[runStart] >> 32);
                int runEnd = runStart + 1;
                while (runEnd < length && (int)(userKeys[runEnd] >> 32) == item)
                {
                    runEnd++;
                }

                if (runEnd - runStart > 1)
                {
                    CombineRun(userKeys[runStart..runEnd], users, weights, timestamps, policy);
                    folded += runEnd - runStart - 1;
                }

                runStart = runEnd;
            }
        }

        if (folded > 0)
        {
            columns.Compact();
        }

        return folded;
    }

    private static void CombineRun(ReadOnlySpan<long> run, int[] users, float[] weights, long[] timestamps, DuplicatePolicy policy)
    {
        int target = (int)(uint)run[0];
        double sum = 0;
        float max = float.NegativeInfinity;
        long latest = long.MinValue;
        int latestRow = target;
        foreach (long key in run)
        {
            int row = (int)(uint)key;
            sum += weights[row];
            max = Math.Max(max, weights[row]);

            // Rows come in log order, so ">=" lets a later row win a tie in time.
            if (timestamps[row] >= latest)
            {
                latest = timestamps[row];
                latestRow = row;
            }

            if (row != target)
            {
                users[row] = -1;
            }
        }

        weights[target] = policy switch
        {
            DuplicatePolicy.Sum => (float)sum,
            DuplicatePolicy.Max => max,
            _ => weights[latestRow],
        };
        timestamps[target] = latest;
    }
}
