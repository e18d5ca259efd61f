namespace Recommender.Core.Models;

/// <summary>
/// What EASE takes in memory, as measured (operating-system peak resident set, runtime and libtorch included,
/// <c>recommender train --model ease</c> and one scoring shard of its model on generated logs): the item-by-item
/// matrices cost about 20 bytes per item squared, the dense interaction rows (its user rows) and their copies about
/// 19 bytes per user–item cell. Measured: 1,000 users × 4,966 items 1.2 GB, × 9,296 items 2.5 GB, × 12,591 items
/// 3.9 GB; 20,000 users × 3,000 items 2.0 GB.
/// </summary>
public static class EaseMemory
{
    private const double BaseBytes = 0.7e9;
    private const double BytesPerItemPair = 20;
    private const double BytesPerUserItemCell = 19;

    /// <summary>Estimated peak bytes of an EASE fit on <paramref name="userCount"/> users and <paramref name="itemCount"/> items.</summary>
    public static double FitBytes(int userCount, int itemCount) =>
        BaseBytes + (BytesPerItemPair * itemCount * (double)itemCount) + (BytesPerUserItemCell * userCount * (double)itemCount);

    /// <summary>Estimated peak bytes of one scoring shard of an EASE model: its item table and the scorer's copy.</summary>
    public static double ShardBytes(int itemCount) => 0.2e9 + (8.0 * itemCount * itemCount);

    /// <summary>True when a fit fits <paramref name="maxMemoryMB"/> (null: no limit).</summary>
    public static bool FitsIn(int? maxMemoryMB, int userCount, int itemCount) =>
        maxMemoryMB is not { } limit || FitBytes(userCount, itemCount) <= limit * 1e6;
}
