using Recommender.Core.Models;

namespace Recommender.Core.Training;

/// <summary>The outcome of a training run: the best epoch's factors and the record of every epoch.</summary>
public sealed record TrainingResult
{
    /// <summary>The run.</summary>
    public required string RunId { get; init; }

    /// <summary>The model kind trained (never <see cref="ModelKind.Auto"/>).</summary>
    public required ModelKind Kind { get; init; }

    /// <summary>How the run ended.</summary>
    public required TrainingStatus Status { get; init; }

    /// <summary>
    /// Factors of the best epoch (by the validator's metric; the last epoch when there is no validator),
    /// ready for scoring.
    /// </summary>
    public required FactorSnapshot Factors { get; init; }

    /// <summary>Epoch whose weights <see cref="Factors"/> holds.</summary>
    public required int BestEpoch { get; init; }

    /// <summary>The validator's metric at <see cref="BestEpoch"/>, or null without a validator.</summary>
    public double? BestMetric { get; init; }

    /// <summary>Name of the validator's metric, or null without a validator.</summary>
    public string? MetricName { get; init; }

    /// <summary>Every epoch trained so far, resumed ones included.</summary>
    public required IReadOnlyList<EpochRecord> Epochs { get; init; }

    /// <summary>The epoch this call resumed after (0 when it started fresh).</summary>
    public int ResumedFromEpoch { get; init; }

    /// <summary>Device the run trained on: <c>cpu</c> or <c>cuda</c>.</summary>
    public required string Device { get; init; }

    /// <summary>True when <see cref="TrainingDevice.Auto"/> found no CUDA device and fell back to the CPU.</summary>
    public bool FellBackToCpu { get; init; }
}
