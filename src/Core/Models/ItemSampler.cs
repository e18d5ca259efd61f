using TorchSharp;
using static TorchSharp.torch;

namespace Recommender.Core.Models;

/// <summary>
/// Draws negative items for sampled losses and knows each item's log-probability of being drawn,
/// which sampled softmax subtracts from the logits to stay an unbiased estimate of the full softmax.
/// </summary>
internal sealed class ItemSampler : IDisposable
{
    private readonly Tensor? _itemByRank;
    private readonly Tensor? _logProbability;
    private readonly double _logRange;

    private ItemSampler(int itemCount, NegativeSampling distribution, Tensor? itemByRank, Tensor? logProbability)
    {
        ItemCount = itemCount;
        Distribution = distribution;
        _itemByRank = itemByRank;
        _logProbability = logProbability;
        _logRange = Math.Log(itemCount + 1.0);
    }

    /// <summary>Number of items drawn from.</summary>
    public int ItemCount { get; }

    /// <summary>The distribution items are drawn from.</summary>
    public NegativeSampling Distribution { get; }

    /// <summary>A sampler that draws every item with equal probability.</summary>
    public static ItemSampler Uniform(int itemCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(itemCount, 1);
        return new ItemSampler(itemCount, NegativeSampling.Uniform, null, null);
    }

    /// <summary>
    /// A log-uniform sampler over items ranked by how often they occur in <paramref name="trainItems"/>
    /// (ties broken by index, so the ranking is deterministic).
    /// </summary>
    public static ItemSampler LogUniform(int itemCount, ReadOnlySpan<int> trainItems, Device device)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(itemCount, 1);
        var counts = new long[itemCount];
        foreach (int item in trainItems)
        {
            counts[item]++;
        }

        var itemByRank = new long[itemCount];
        for (int i = 0; i < itemCount; i++)
        {
            itemByRank[i] = i;
        }

        Array.Sort(itemByRank, (a, b) => counts[b] != counts[a] ? counts[b].CompareTo(counts[a]) : a.CompareTo(b));
        double logRange = Math.Log(itemCount + 1.0);
        var logProbability = new float[itemCount];
        for (int rank = 0; rank < itemCount; rank++)
        {
            double probability = Math.Log((rank + 2.0) / (rank + 1.0)) / logRange;
            logProbability[itemByRank[rank]] = (float)Math.Log(probability);
        }

        return new ItemSampler(
            itemCount,
            NegativeSampling.LogUniform,
            torch.tensor(itemByRank, device: device),
            torch.tensor(logProbability, device: device));
    }

    /// <summary>Draws <paramref name="count"/> items (with replacement) as an int64 tensor on <paramref name="device"/>.</summary>
    public Tensor Sample(long count, Generator generator, Device device)
    {
        if (_itemByRank is null)
        {
            return torch.randint(0, ItemCount, [count], dtype: ScalarType.Int64, device: device, generator: generator);
        }

        // Inverse CDF of P(rank) = log((rank + 2) / (rank + 1)) / log(n + 1).
        using var uniform = torch.rand([count], device: device, generator: generator);
        using var rank = uniform.mul_(_logRange).exp_().sub_(1.0).floor_().to(ScalarType.Int64).clamp_(0, ItemCount - 1);
        return _itemByRank.index_select(0, rank);
    }

    /// <summary>Log-probability of drawing each of <paramref name="items"/>, or null for uniform sampling (a constant that cancels out).</summary>
    public Tensor? LogProbabilityOf(Tensor items) => _logProbability?.index_select(0, items);

    /// <inheritdoc />
    public void Dispose()
    {
        _itemByRank?.Dispose();
        _logProbability?.Dispose();
    }
}
