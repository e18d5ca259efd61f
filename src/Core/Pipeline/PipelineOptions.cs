using System.ComponentModel.DataAnnotations;

namespace Recommender.Core.Pipeline;

/// <summary>How the training pipeline scores, gates and publishes; bound from <c>Recommender:Pipeline</c>.</summary>
public sealed class PipelineOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Recommender:Pipeline";

    /// <summary>Items kept per user in the lookup table.</summary>
    [Range(1, 1_000)]
    public int TopK { get; set; } = 100;

    /// <summary>Cut-off of the ranking metrics that drive early stopping and the quality gate.</summary>
    [Range(1, 1_000)]
    public int EvaluationK { get; set; } = 10;

    /// <summary>Users per scoring shard: bounds one activity's memory and time.</summary>
    [Range(1, 10_000_000)]
    public int ShardSize { get; set; } = 5_000;

    /// <summary>Scoring shards run at the same time.</summary>
    [Range(1, 256)]
    public int MaxParallelShards { get; set; } = 8;

    /// <summary>
    /// Candidates of the automatic model choice the Functions app trains at once, each as its own chain of
    /// training activities. Default 3: every candidate at once.
    /// </summary>
    [Range(1, 16)]
    public int MaxParallelCandidates { get; set; } = 3;

    /// <summary>Published versions kept for rollback, the active one included.</summary>
    [Range(1, 100)]
    public int KeepVersions { get; set; } = 3;

    /// <summary>Gate: the new model's NDCG must beat this multiple of the popularity baseline's (a tie does not; 0 turns the check off).</summary>
    [Range(0.0, 100.0)]
    public double MinNdcgVersusPopularity { get; set; } = 1.0;

    /// <summary>Gate: the new model may be at most this fraction worse than the live model on the same data.</summary>
    [Range(0.0, 1.0)]
    public double MaxRegressionVersusLive { get; set; } = 0.05;
}
