using Recommender.Core.Ingestion;
using Recommender.Core.Preprocessing;

namespace Recommender.Core.Datasets;

/// <summary>
/// The <c>manifest.json</c> of a curated dataset: which logs it was made from (and which were rejected), the
/// options used, how many rows each rule removed, the split protocol and the resulting sizes. It holds no wall-clock
/// time, so the same inputs and options produce the same bytes.
/// </summary>
public sealed record DatasetManifest
{
    /// <summary>Version of this manifest's layout.</summary>
    public int FormatVersion { get; init; } = 1;

    /// <summary>The dataset version (content-derived).</summary>
    public required string Version { get; init; }

    /// <summary>Whether weights are ratings (explicit) or confidences (implicit).</summary>
    public required FeedbackKind Feedback { get; init; }

    /// <summary>Logs whose rows went into the dataset, in the order they were read.</summary>
    public required IReadOnlyList<ManifestSource> Sources { get; init; }

    /// <summary>Logs that could not be used, with the reason; none of their rows are in the dataset.</summary>
    public required IReadOnlyList<RejectedInteractionLog> RejectedSources { get; init; }

    /// <summary>Options the dataset was made with.</summary>
    public required ManifestOptions Options { get; init; }

    /// <summary>Rows before and after each cleaning rule, in the order the rules apply.</summary>
    public required IReadOnlyList<CleaningStep> Steps { get; init; }

    /// <summary>The split protocol, its seed and sizes.</summary>
    public required ManifestSplit Split { get; init; }

    /// <summary>Users, items, interactions and density of the curated dataset.</summary>
    public required DatasetStatistics Statistics { get; init; }

    /// <summary>
    /// Distinct (user, item) pairs of the dataset's users and items that were rated below the rating threshold only:
    /// no interactions to learn from, but never recommended to their user (<see cref="CuratedDatasetLayout.SeenOnlyFile"/>
    /// holds them when there are any; 0 in manifests written before they were kept).
    /// </summary>
    public int SeenOnlyPairs { get; init; }

    /// <summary>
    /// The type of the user ids in the logs (<c>users.parquet</c> holds them as text): integers when every
    /// log had integer user ids, the wider of their widths; text otherwise, and for manifests written before
    /// this was recorded.
    /// </summary>
    public ExternalIdType UserIdType { get; init; } = ExternalIdType.String;

    /// <summary>The type of the item ids in the logs, as <see cref="UserIdType"/> is for users.</summary>
    public ExternalIdType ItemIdType { get; init; } = ExternalIdType.String;
}

/// <summary>One log that went into a dataset.</summary>
/// <param name="Source">File or blob name.</param>
/// <param name="ETag">Its ETag when known.</param>
/// <param name="Size">Its size in bytes when known.</param>
/// <param name="Schema">Which log column was used for what, when the reader reported it.</param>
/// <param name="RowsRead">Rows in the log.</param>
/// <param name="RowsKept">Rows that passed the row rules (before duplicates and k-core).</param>
/// <param name="UserIdType">Type of the log's user ids; null when it had no rows.</param>
/// <param name="ItemIdType">Type of the log's item ids; null when it had no rows.</param>
public sealed record ManifestSource(string Source, string? ETag, long? Size, IReadOnlyDictionary<string, string>? Schema, long RowsRead, long RowsKept, ExternalIdType? UserIdType = null, ExternalIdType? ItemIdType = null);

/// <summary>Rows before and after one cleaning rule.</summary>
/// <param name="Rule">The rule, e.g. <c>missingUserId</c>, <c>duplicates</c>, <c>kCore</c>.</param>
/// <param name="RowsBefore">Rows the rule saw.</param>
/// <param name="RowsAfter">Rows it let through.</param>
public sealed record CleaningStep(string Rule, long RowsBefore, long RowsAfter);

/// <summary>The split protocol recorded in a manifest.</summary>
/// <param name="Kind">The protocol.</param>
/// <param name="TrainRatio">Share of each group that goes to train.</param>
/// <param name="ValidationLastN">Last N per user held out, when used instead of the ratio.</param>
/// <param name="Seed">Seed of the random order.</param>
/// <param name="TrainInteractions">Rows in train.</param>
/// <param name="ValidationInteractions">Rows in validation.</param>
/// <param name="Draws">Where the random order came from (manifests written before it was recorded: row order).</param>
public sealed record ManifestSplit(SplitKind Kind, double TrainRatio, int? ValidationLastN, int Seed, int TrainInteractions, int ValidationInteractions, SplitDraws Draws = SplitDraws.RowOrder);

/// <summary>Size of a curated dataset.</summary>
/// <param name="Users">Distinct users.</param>
/// <param name="Items">Distinct items.</param>
/// <param name="Interactions">Distinct (user, item) interactions, train and validation together.</param>
/// <param name="Density">Interactions / (users × items).</param>
public sealed record DatasetStatistics(int Users, int Items, int Interactions, double Density);

/// <summary>The preprocessing options in the canonical form recorded in manifests and hashed into versions.</summary>
public sealed record ManifestOptions
{
    /// <summary>Implicit or explicit feedback.</summary>
    public required FeedbackKind Feedback { get; init; }

    /// <summary>Event type weights, in ordinal order of the event types.</summary>
    public required IReadOnlyDictionary<string, float> EventWeights { get; init; }

    /// <summary>Policy for event types without a weight.</summary>
    public required UnknownEventTypePolicy UnknownEventTypes { get; init; }

    /// <summary>Weight of unknown event types when they are kept.</summary>
    public required float DefaultEventWeight { get; init; }

    /// <summary>How duplicates were combined.</summary>
    public required DuplicatePolicy Duplicates { get; init; }

    /// <summary>The rating threshold, if any.</summary>
    public float? RatingThreshold { get; init; }

    /// <summary>k-core minimum per user.</summary>
    public required int MinUserInteractions { get; init; }

    /// <summary>k-core minimum per item.</summary>
    public required int MinItemInteractions { get; init; }

    /// <summary>Longest accepted id.</summary>
    public required int MaxIdLength { get; init; }

    /// <summary>The canonical form of <paramref name="options"/>.</summary>
    public static ManifestOptions From(PreprocessingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var weights = new SortedDictionary<string, float>(StringComparer.Ordinal);
        if (options.Feedback == FeedbackKind.Implicit)
        {
            foreach ((string eventType, float weight) in options.EventWeights)
            {
                weights[eventType] = weight;
            }
        }

        return new ManifestOptions
        {
            Feedback = options.Feedback,
            EventWeights = weights,
            UnknownEventTypes = options.UnknownEventTypes,
            DefaultEventWeight = options.DefaultEventWeight,
            Duplicates = options.EffectiveDuplicatePolicy,
            RatingThreshold = options.RatingThreshold,
            MinUserInteractions = options.MinUserInteractions,
            MinItemInteractions = options.MinItemInteractions,
            MaxIdLength = options.MaxIdLength,
        };
    }
}
