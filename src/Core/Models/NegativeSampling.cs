namespace Recommender.Core.Models;

/// <summary>How a sampled softmax draws its negative items.</summary>
public enum NegativeSampling
{
    /// <summary>Every item equally likely.</summary>
    Uniform = 0,

    /// <summary>
    /// Log-uniform (Zipfian) over items ranked by training popularity, so popular items are drawn
    /// more often; the loss subtracts each item's log-probability (logQ correction).
    /// </summary>
    LogUniform = 1,
}
