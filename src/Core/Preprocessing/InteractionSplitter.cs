namespace Recommender.Core.Preprocessing;

/// <summary>
/// Decides which interactions are held out for validation, per <see cref="SplitKind"/>. Every protocol groups
/// rows (by user or item), orders each group (randomly or by time) and cuts it, so each group keeps its share.
/// </summary>
/// <remarks>
/// <para>
/// <see cref="SplitKind.StratifiedPerItem"/> and <see cref="SplitKind.StratifiedPerUser"/> follow
/// <c>python_stratified_split(data, ratio, filter_by, seed)</c> of Microsoft Recommenders
/// (<c>recommenders/datasets/python_splitters.py</c>): it seeds NumPy's legacy generator with <c>seed</c>, gives row i
/// of the frame the i-th number of <c>np.random.rand(len(data))</c>, sorts by (group, number), ranks each row as
/// <c>(position in group + 1) / group size</c> and puts rows with <c>rank &lt;= ratio</c> in train, the rest in test.
/// Consequently a group's last-ranked row always goes to test, and a group of one interaction is all test.
/// </para>
/// <para>
/// What matches bit for bit: the random numbers (MT19937 with NumPy's legacy seeding and 53-bit doubles), the rank
/// (the same IEEE division of two integers) and the comparison, so given rows in the same order as the frame
/// passed to the Python function, the same rows go to train. What cannot match: the row order when it differs
/// (logs read in another order, duplicates combined here, rows filtered differently), since the i-th random number
/// belongs to the i-th row; pandas' unstable sort when two rows of a group draw the same number (practically never);
/// and <c>min_rating</c>, which this protocol leaves to the k-core filter.
/// </para>
/// </remarks>
internal static class InteractionSplitter
{
    /// <summary>Marks the rows held out for validation.</summary>
    public static bool[] HoldOut(InteractionColumns columns, int userCount, int itemCount, SplitOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Kind switch
        {
            SplitKind.StratifiedPerItem => Stratified(columns.Items, columns.Count, itemCount, options, columns.Scratch(columns.Count)),
            SplitKind.StratifiedPerUser => Stratified(columns.Users, columns.Count, userCount, options, columns.Scratch(columns.Count)),
            SplitKind.RandomPerUser => RandomPerUser(columns.Users, columns.Count, userCount, options, columns.Scratch(columns.Count)),
            SplitKind.ChronologicalPerUser => ChronologicalPerUser(columns, userCount, options),
            _ => throw new ArgumentOutOfRangeException(nameof(options), options.Kind, "Unknown split kind."),
        };
    }

    /// <summary>How many of a user's <paramref name="count"/> interactions are held out: at most all but one.</summary>
    public static int HeldOutCount(int count, double trainRatio, int? lastN)
    {
        if (count < 2)
        {
            return 0;
        }

        long wanted = lastN ?? (long)Math.Round((1 - trainRatio) * count, MidpointRounding.AwayFromZero);
        return (int)Math.Clamp(wanted, 0, count - 1);
    }

    private static bool[] Stratified(int[] groups, int count, int groupCount, SplitOptions options, int[] rows)
    {
        double ratio = options.TrainRatio;
        return HoldOutRandomly(groups, count, groupCount, options.Seed, length => StratifiedTrainCount(length, ratio), rows);
    }

    private static bool[] RandomPerUser(int[] users, int count, int userCount, SplitOptions options, int[] rows)
    {
        double ratio = options.TrainRatio;
        return HoldOutRandomly(users, count, userCount, options.Seed, length => length - HeldOutCount(length, ratio, lastN: null), rows);
    }

    /// <summary>
    /// How many of a group's rows have <c>(position + 1) / length &lt;= ratio</c>, evaluated with the same double
    /// division as pandas, so the cut falls where python_stratified_split puts it.
    /// </summary>
    internal static int StratifiedTrainCount(int length, double ratio)
    {
        int train = Math.Clamp((int)(ratio * length), 0, length);
        while (train < length && (double)(train + 1) / length <= ratio)
        {
            train++;
        }

        while (train > 0 && (double)train / length > ratio)
        {
            train--;
        }

        return train;
    }

    /// <summary>
    /// Draws one uniform number per row in row order, groups the rows and keeps, per group, the rows with the
    /// smallest draws for training: the same rows a full sort by draw followed by a cut would keep, found by
    /// selection in linear time instead.
    /// </summary>
    private static bool[] HoldOutRandomly(int[] groups, int count, int groupCount, int seed, Func<int, int> trainCountOf, int[] rows)
    {
        int[] start = RowGrouping.CountingOffsets(groups, count, groupCount, out _);
        var next = (int[])start.Clone();
        var draws = new double[count];
        var random = new LegacyMersenneTwister((uint)seed);
        for (int row = 0; row < count; row++)
        {
            int position = next[groups[row]]++;
            draws[position] = random.NextDouble();
            rows[position] = row;
        }

        var heldOut = new bool[count];
        for (int group = 0; group < groupCount; group++)
        {
            int first = start[group];
            int end = start[group + 1];
            int train = trainCountOf(end - first);
            SelectSmallest(draws, rows, first, end, train);
            for (int position = first + train; position < end; position++)
            {
                heldOut[rows[position]] = true;
            }
        }

        return heldOut;
    }

    /// <summary>
    /// Reorders <paramref name="keys"/>[<paramref name="start"/>..<paramref name="end"/>) and the rows alongside so
    /// that the <paramref name="smallest"/> smallest keys come first (Hoare's selection; random keys make it linear).
    /// </summary>
    private static void SelectSmallest(double[] keys, int[] rows, int start, int end, int smallest)
    {
        if (smallest <= 0 || smallest >= end - start)
        {
            return;
        }

        int nth = start + smallest - 1;
        int left = start;
        int right = end - 1;
        while (left < right)
        {
            double pivot = keys[left + ((right - left) / 2)];
            int low = left;
            int high = right;
            while (low <= high)
            {
                while (keys[low] < pivot)
                {
                    low++;
                }

                while (keys[high] > pivot)
                {
                    high--;
                }

                if (low <= high)
                {
                    (keys[low], keys[high]) = (keys[high], keys[low]);
                    (rows[low], rows[high]) = (rows[high], rows[low]);
                    low++;
                    high--;
                }
            }

            if (nth <= high)
            {
                right = high;
            }
            else if (nth >= low)
            {
                left = low;
            }
            else
            {
                return;
            }
        }
    }

    private static bool[] HoldOutTails(int[] start, int[] rows, int count, int groupCount, double trainRatio, int? lastN)
    {
        var heldOut = new bool[count];
        for (int group = 0; group < groupCount; group++)
        {
            int end = start[group + 1];
            int tail = HeldOutCount(end - start[group], trainRatio, lastN);
            for (int position = end - tail; position < end; position++)
            {
                heldOut[rows[position]] = true;
            }
        }

        return heldOut;
    }

    private static bool[] ChronologicalPerUser(InteractionColumns columns, int userCount, SplitOptions options)
    {
        int count = columns.Count;
        int[] start = RowGrouping.CountingOffsets(columns.Users, count, userCount, out _);
        int[] rows = RowGrouping.RowsByGroup(columns.Users, count, start, columns.Scratch(count));
        var byTime = new ByTimeThenRow(columns.Timestamps);
        for (int user = 0; user < userCount; user++)
        {
            rows.AsSpan(start[user], start[user + 1] - start[user]).Sort(byTime);
        }

        return HoldOutTails(start, rows, count, userCount, options.TrainRatio, options.ValidationLastN);
    }

    private readonly struct ByTimeThenRow(long[] timestamps) : IComparer<int>
    {
        public int Compare(int x, int y)
        {
            int byTime = timestamps[x].CompareTo(timestamps[y]);
            return byTime != 0 ? byTime : x.CompareTo(y);
        }
    }
}
