namespace Recommender.Core.Scoring;

/// <summary>
/// Ranked item lists for a contiguous range of users, stored row-major with a fixed capacity per
/// user: row <c>r</c> is user <see cref="FirstUser"/> + r, its first <c>Counts[r]</c> slots hold item
/// indices (best first) and their scores; unused slots hold item -1 and score NaN.
/// </summary>
public sealed class RecommendationLists
{
    /// <summary>Allocates empty lists for users [<paramref name="firstUser"/>, <paramref name="firstUser"/> + <paramref name="userCount"/>).</summary>
    public RecommendationLists(int firstUser, int userCount, int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(firstUser);
        ArgumentOutOfRangeException.ThrowIfNegative(userCount);
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        long slots = (long)userCount * capacity;
        if (slots > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(userCount), $"{userCount} users x {capacity} items do not fit one array; score fewer users at a time.");
        }

        FirstUser = firstUser;
        UserCount = userCount;
        Capacity = capacity;
        Items = new int[slots];
        Scores = new float[slots];
        Counts = new int[userCount];
        Items.AsSpan().Fill(-1);
        Scores.AsSpan().Fill(float.NaN);
    }

    /// <summary>Dense index of the user in row 0.</summary>
    public int FirstUser { get; }

    /// <summary>Number of users (rows).</summary>
    public int UserCount { get; }

    /// <summary>Slots per row (the K the lists were made for).</summary>
    public int Capacity { get; }

    /// <summary>Item indices, row-major [UserCount, Capacity].</summary>
    public int[] Items { get; }

    /// <summary>Scores, row-major [UserCount, Capacity].</summary>
    public float[] Scores { get; }

    /// <summary>Number of filled slots per row.</summary>
    public int[] Counts { get; }

    /// <summary>The ranked items of row <paramref name="row"/>, best first.</summary>
    public ReadOnlySpan<int> ItemsOf(int row) => Items.AsSpan(row * Capacity, Counts[row]);

    /// <summary>The scores of row <paramref name="row"/>, aligned with <see cref="ItemsOf"/>.</summary>
    public ReadOnlySpan<float> ScoresOf(int row) => Scores.AsSpan(row * Capacity, Counts[row]);

    /// <summary>Sets row <paramref name="row"/> to <paramref name="items"/> and <paramref name="scores"/> (at most <see cref="Capacity"/>).</summary>
    public void SetRow(int row, ReadOnlySpan<int> items, ReadOnlySpan<float> scores)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(items.Length, Capacity, nameof(items));
        if (scores.Length != items.Length)
        {
            throw new ArgumentException("Items and scores must have the same length.", nameof(scores));
        }

        var itemSlots = Items.AsSpan(row * Capacity, Capacity);
        var scoreSlots = Scores.AsSpan(row * Capacity, Capacity);
        items.CopyTo(itemSlots);
        scores.CopyTo(scoreSlots);
        itemSlots[items.Length..].Fill(-1);
        scoreSlots[items.Length..].Fill(float.NaN);
        Counts[row] = items.Length;
    }
}
