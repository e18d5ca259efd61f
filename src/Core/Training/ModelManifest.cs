using Recommender.Core.Models;

namespace Recommender.Core.Training;

/// <summary>
/// <c>models/{runId}/model.json</c>: what was trained, on what, how each epoch went, which epoch is
/// best and where the run stands. Rewritten after every epoch.
/// </summary>
public sealed record ModelManifest
{
    /// <summary>Version of this layout.</summary>
    public const int CurrentFormatVersion = 1;

    /// <summary>Layout version of the file.</summary>
    public int FormatVersion { get; init; } = CurrentFormatVersion;

    /// <summary>The run.</summary>
    public required string RunId { get; init; }

    /// <summary>Model kind (never <see cref="ModelKind.Auto"/>).</summary>
    public required ModelKind Kind { get; init; }

    /// <summary>Version of the curated dataset trained on.</summary>
    public required string DatasetVersion { get; init; }

    /// <summary>Users in the dataset (rows of the user tables).</summary>
    public required int UserCount { get; init; }

    /// <summary>Items in the dataset (rows of the item tables).</summary>
    public required int ItemCount { get; init; }

    /// <summary>Embedding dimension.</summary>
    public required int Dimension { get; init; }

    /// <summary>Names and shapes of the model's tensors, which every checkpoint must match.</summary>
    public required IReadOnlyList<TensorShape> Parameters { get; init; }

    /// <summary>The hyperparameters.</summary>
    public required TrainingOptions Options { get; init; }

    /// <summary>Device trained on: <c>cpu</c> or <c>cuda</c>.</summary>
    public required string Device { get; init; }

    /// <summary>True when CUDA was wanted if present, was absent, and the CPU was used.</summary>
    public bool FellBackToCpu { get; init; }

    /// <summary>Where the run stands.</summary>
    public required TrainingStatus Status { get; init; }

    /// <summary>The validator's metric name, or null when training ran without one.</summary>
    public string? MetricName { get; init; }

    /// <summary>Whether larger metric values are better, or null without a validator.</summary>
    public bool? HigherIsBetter { get; init; }

    /// <summary>Best epoch so far (0 before the first epoch ends).</summary>
    public int BestEpoch { get; init; }

    /// <summary>The metric at <see cref="BestEpoch"/>, or null without a validator.</summary>
    public double? BestMetric { get; init; }

    /// <summary>Every epoch trained.</summary>
    public required IReadOnlyList<EpochRecord> Epochs { get; init; }

    /// <summary>
    /// The run this one refits: trained on its dataset's train and validation interactions together for
    /// that run's best epoch count, without validation. Null for an ordinary run.
    /// </summary>
    public string? RefitOf { get; init; }

    /// <summary>The run whose embeddings seeded this one, with how many users and items they shared.</summary>
    public WarmStartRecord? WarmStart { get; init; }

    /// <summary>TorchSharp version that wrote the checkpoints.</summary>
    public required string TorchSharpVersion { get; init; }

    /// <summary>When the run started.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>When this file was last written.</summary>
    public required DateTimeOffset UpdatedAt { get; init; }
}

/// <summary>Where a warm-started run took its initial embeddings from.</summary>
/// <param name="RunId">The earlier run.</param>
/// <param name="Epoch">Its epoch whose weights were copied.</param>
/// <param name="SharedUsers">Users present in both vocabularies (their rows were copied).</param>
/// <param name="SharedItems">Items present in both vocabularies (their rows were copied).</param>
public sealed record WarmStartRecord(string RunId, int Epoch, int SharedUsers, int SharedItems);
