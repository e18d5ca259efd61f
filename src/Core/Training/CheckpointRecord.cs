using Recommender.Core.Models;

namespace Recommender.Core.Training;

/// <summary>
/// <c>epoch-NNNN.json</c>: written after the checkpoint's tensor state, it marks the checkpoint
/// complete and says how to verify it (size, SHA-256, section lengths) and how to go on from it.
/// </summary>
internal sealed record CheckpointRecord
{
    /// <summary>Version of this layout.</summary>
    public const int CurrentFormatVersion = 1;

    /// <summary>Layout version.</summary>
    public int FormatVersion { get; init; } = CurrentFormatVersion;

    /// <summary>The run.</summary>
    public required string RunId { get; init; }

    /// <summary>Epoch after which the state was taken.</summary>
    public required int Epoch { get; init; }

    /// <summary>Path of the tensor state.</summary>
    public required string Checkpoint { get; init; }

    /// <summary>Bytes of the tensor state.</summary>
    public required long Size { get; init; }

    /// <summary>SHA-256 of the tensor state, lowercase hex.</summary>
    public required string Sha256 { get; init; }

    /// <summary>Bytes of the model section (TorchSharp <c>Module.save</c>).</summary>
    public required long ModelStateLength { get; init; }

    /// <summary>Bytes of the optimizer section (TorchSharp <c>save_state_dict</c>).</summary>
    public required long OptimizerStateLength { get; init; }

    /// <summary>The model's tensors, as the checkpoint holds them.</summary>
    public required IReadOnlyList<TensorShape> Parameters { get; init; }

    /// <summary>The trainer's bookkeeping at the end of the epoch.</summary>
    public required TrainerState State { get; init; }
}

/// <summary>The trainer's bookkeeping after an epoch: everything besides tensors needed to go on identically.</summary>
/// <param name="Epoch">Epochs done.</param>
/// <param name="Status">Running, or how training ended after this epoch.</param>
/// <param name="BestEpoch">Best epoch so far (the last one without a validator).</param>
/// <param name="BestMetric">Metric at <paramref name="BestEpoch"/>, or null without a validator.</param>
/// <param name="EvaluationsWithoutImprovement">Evaluations since the metric last improved.</param>
/// <param name="Epochs">Record of every epoch so far.</param>
internal sealed record TrainerState(int Epoch, TrainingStatus Status, int BestEpoch, double? BestMetric, int EvaluationsWithoutImprovement, IReadOnlyList<EpochRecord> Epochs);
