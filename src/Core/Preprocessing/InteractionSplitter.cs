namespace Recommender.Core.Preprocessing;

/// <summary>
/// Decides which interactions are held out for validation, per <see cref="SplitKind"/>. Every protocol groups
/// rows (by user or item), orders each group (randomly or by time) and cuts it, so each group keeps its share.
/// </summary>
/// <remarks>
/// <para>
/// <see cref="SplitKind.StratifiedPerItem"/> and <see cref="SplitKind.StratifiedPerUser"/> cut each group the way
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
/// and <c>min_rating</c>, which this protocol leaves to the k-core filter. That holds for the draws of
/// <see cref="SplitDraws.RowOrder"/>; the pipeline's default, <see cref="SplitDraws.PerPair"/>, ranks each row by a
/// hash of the seed and its ids instead, and cuts the groups the same way.
/// </para>
/// </remarks>
internal static class InteractionSplitter
{
    /// <summary>
    /// Marks the rows held out for validation; <paramref name="userIds"/> and <paramref name="itemIds"/> are the
    /// external ids of the dense indices in <paramref name="columns"/> (what <see cref="SplitDraws.PerPair"/> hashes).
    /// </summary>
    public static bool[] HoldOut(InteractionColumns columns, IReadOnlyList<string> userIds, IReadOnlyList<string> itemIds, SplitOptions options)
    {
        ArgumentNullException.ThrowIfNull(columns);
        ArgumentNullException.ThrowIfNull(userIds);
        ArgumentNullException.ThrowIfNull(itemIds);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Kind == SplitKind.ChronologicalPerUser)
        {
            return ChronologicalPerUser(columns, userIds.Count, options);
        }

        Func<int, double> drawOf = options.Draws == SplitDraws.RowOrder
            ? RowOrderDraws(options.Seed)
            : PairDraws(columns, userIds, itemIds, options.Seed);
        int[] rows = columns.Scratch(columns.Count);
        double ratio = options.TrainRatio;
        return options.Kind switch
        {
            SplitKind.StratifiedPerItem => HoldOutRandomly(columns.Items, columns.Count, itemIds.Count, drawOf, length => StratifiedTrainCount(length, ratio), rows),
            SplitKind.StratifiedPerUser => HoldOutRandomly(columns.Users, columns.Count, userIds.Count, drawOf, length => StratifiedTrainCount(length, ratio), rows),
            SplitKind.RandomPerUser => HoldOutRandomly(columns.Users, columns.Count, userIds.Count, drawOf, length => length - HeldOutCount(length, ratio, lastN: null), rows),
            _ => throw new ArgumentOutOfRangeException(nameof(options), options.Kind, "Unknown split kind."),
        };
    }

    /// <summary>The draw of each row, asked for in row order: the next number of NumPy's legacy generator seeded with <paramref name="seed"/>.</summary>
    private static Func<int, double> RowOrderDraws(int seed)
    {
        var random = new LegacyMersenneTwister((uint)seed);
        return _ => random.NextDouble();
    }

    /// <summary>The draw of each row, in [0, 1), from the seed and the row's external user and item ids (<see cref="SplitDraws.PerPair"/>).</summary>
    private static Func<int, double> PairDraws(InteractionColumns columns, IReadOnlyList<string> userIds, IReadOnlyList<string> itemIds, int seed)
    {
        ulong[] userKeys = [.. userIds.Select(IdKey)];
        ulong[] itemKeys = [.. itemIds.Select(IdKey)];
        ulong seedKey = Mix((ulong)seed + 0x9E3779B97F4A7C15UL);
        int[] users = columns.Users;
        int[] items = columns.Items;
        return row =>
        {
            ulong key = Mix(seedKey ^ userKeys[users[row]] ^ Mix(itemKeys[items[row]] + 0xD1B54A32D192ED03UL));
            return (key >> 11) * (1.0 / (1UL << 53));
        };
    }

    /// <summary>A 64-bit key of an external id: FNV-1a over its UTF-16 code units, then mixed.</summary>
    private static ulong IdKey(string id)
    {
        ulong hash = 0xCBF29CE484222325UL;
        foreach (char c in id)
        {
            hash = (hash ^ c) * 0x100000001B3UL;
        }

        return Mix(hash);
    }

    /// <summary>SplitMix64's finalizer: every input bit affects every output bit.</summary>
    private static ulong Mix(ulong value)
    {
        value = (value ^ (value >> 30)) * 0xBF58476D1CE4E5B9UL;
        value = (value ^ (value >> 27)) * 0x94D049BB133111EBUL;
        return value ^ (value >> 31);
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
    /// Draws one number per row (<paramref name="drawOf"/>, asked in row order), groups the rows and keeps, per group,
    /// the rows with the smallest draws for training: the same rows a full sort by draw followed by a cut would keep,
    /// found by selection in linear time instead.
    /// </summary>
    private static bool[] HoldOutRandomly(int[] groups, int count, int groupCount, Func<int, double> drawOf, Func<int, int> trainCountOf, int[] rows)
    {
        int[] start = RowGrouping.CountingOffsets(groups, count, groupCount, out _);
        var next = (int[])start.Clone();
        var draws = new double[count];
        for (int row = 0; row < count; row++)
        {
            int position = next[groups[row]]++;
            draws[position] = drawOf(row);
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
