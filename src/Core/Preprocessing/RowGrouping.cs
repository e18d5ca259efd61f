namespace Recommender.Core.Preprocessing;

/// <summary>Counting sort of row numbers by a dense group code (user or item): linear time, stable.</summary>
internal static class RowGrouping
{
    /// <summary>
    /// Start offset of each group's rows in the grouped order (length <paramref name="groupCount"/> + 1, last entry is
    /// the row count). Rows whose code is negative are left out.
    /// </summary>
    public static int[] CountingOffsets(int[] codes, int count, int groupCount, out int largestGroup)
    {
        var start = new int[groupCount + 1];
        for (int row = 0; row < count; row++)
        {
            int code = codes[row];
            if (code >= 0)
            {
                start[code + 1]++;
            }
        }

        largestGroup = 0;
        for (int group = 0; group < groupCount; group++)
        {
            largestGroup = Math.Max(largestGroup, start[group + 1]);
            start[group + 1] += start[group];
        }

        return start;
    }

    /// <summary>
    /// Row numbers grouped by code, each group's rows in ascending row order, written into <paramref name="rows"/>
    /// (at least <c>start[^1]</c> long; entries past that are left as they are).
    /// </summary>
    public static int[] RowsByGroup(int[] codes, int count, int[] start, int[] rows)
    {
        var next = (int[])start.Clone();
        for (int row = 0; row < count; row++)
        {
            int code = codes[row];
            if (code >= 0)
            {
                rows[next[code]++] = row;
            }
        }

        return rows;
    }
}
