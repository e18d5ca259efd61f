namespace Recommender.Core.Preprocessing;

/// <summary>
/// Why a row of an interaction log was not kept. Rules are checked in this order and a row is counted
/// under the first rule it breaks, so the counts add up to the rows dropped.
/// </summary>
public enum RowDropReason
{
    /// <summary>The user id is null.</summary>
    MissingUserId,

    /// <summary>The item id is null.</summary>
    MissingItemId,

    /// <summary>A user or item id is empty or only whitespace.</summary>
    BlankId,

    /// <summary>A user or item id is longer than <see cref="PreprocessingOptions.MaxIdLength"/>.</summary>
    IdTooLong,

    /// <summary>A user or item id contains control characters.</summary>
    IdWithControlCharacters,

    /// <summary>The rating or weight is null or NaN (not a number).</summary>
    NonFiniteValue,

    /// <summary>The rating or weight is +∞ or -∞.</summary>
    InfiniteValue,

    /// <summary>The rating is below <see cref="PreprocessingOptions.RatingThreshold"/>.</summary>
    BelowRatingThreshold,

    /// <summary>The event type is null or has no configured weight (with <see cref="UnknownEventTypePolicy.Drop"/>).</summary>
    UnknownEventType,

    /// <summary>Implicit feedback whose weight is zero, negative or overflows.</summary>
    NonPositiveWeight,

    /// <summary>The timestamp is null while the chronological split needs one.</summary>
    MissingTimestamp,
}

/// <summary>Rows dropped per <see cref="RowDropReason"/>; a mutable tally while logs are read.</summary>
internal sealed class RowDropTally
{
    private static readonly RowDropReason[] Reasons = Enum.GetValues<RowDropReason>();
    private readonly long[] _counts = new long[Reasons.Length];

    public long this[RowDropReason reason] => _counts[(int)reason];

    public long Total
    {
        get
        {
            long total = 0;
            foreach (long count in _counts)
            {
                total += count;
            }

            return total;
        }
    }

    public void Add(RowDropReason reason) => _counts[(int)reason]++;

    public void Add(RowDropTally other)
    {
        for (int index = 0; index < _counts.Length; index++)
        {
            _counts[index] += other._counts[index];
        }
    }

    public void Clear() => Array.Clear(_counts);

    /// <summary>Every reason in rule order with its count (zero counts included, so outputs always list all rules).</summary>
    public IReadOnlyList<KeyValuePair<RowDropReason, long>> InRuleOrder()
    {
        var list = new KeyValuePair<RowDropReason, long>[Reasons.Length];
        for (int index = 0; index < Reasons.Length; index++)
        {
            list[index] = new(Reasons[index], _counts[(int)Reasons[index]]);
        }

        return list;
    }
}
