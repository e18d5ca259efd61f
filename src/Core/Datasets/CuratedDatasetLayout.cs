namespace Recommender.Core.Datasets;

/// <summary>
/// Where a curated dataset lives in the artifact store and how its Parquet files are laid out:
/// <c>datasets/{version}/</c> with users, items, train, validation and the manifest, which is written last.
/// </summary>
public static class CuratedDatasetLayout
{
    /// <summary>Prefix of all datasets.</summary>
    public const string Root = "datasets";

    /// <summary>Dense user index ↔ external user id.</summary>
    public const string UsersFile = "users.parquet";

    /// <summary>Dense item index ↔ external item id.</summary>
    public const string ItemsFile = "items.parquet";

    /// <summary>Interactions to train on.</summary>
    public const string TrainFile = "train.parquet";

    /// <summary>Held-out interactions.</summary>
    public const string ValidationFile = "validation.parquet";

    /// <summary>Pairs a user interacted with that are no interactions to learn from (rated below the threshold); written when there are any.</summary>
    public const string SeenOnlyFile = "seen-only.parquet";

    /// <summary>What the dataset was made from and how (JSON); its presence marks a complete dataset.</summary>
    public const string ManifestFile = "manifest.json";

    /// <summary>Column of users.parquet and items.parquet: the dense index (int32).</summary>
    public const string IndexColumn = "index";

    /// <summary>Column of users.parquet and items.parquet: the external id (string).</summary>
    public const string ExternalIdColumn = "external_id";

    /// <summary>Interaction column: dense user index (int32).</summary>
    public const string UserColumn = "user";

    /// <summary>Interaction column: dense item index (int32).</summary>
    public const string ItemColumn = "item";

    /// <summary>Interaction column: weight or rating (float).</summary>
    public const string WeightColumn = "weight";

    /// <summary>Interaction column: event time, microseconds since the Unix epoch (int64; 0 when unknown).</summary>
    public const string TimestampColumn = "timestamp";

    /// <summary>The folder of a dataset version, ending with a slash.</summary>
    public static string FolderOf(string version)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(version);
        if (version.Contains('/', StringComparison.Ordinal) || version.Contains('\\', StringComparison.Ordinal) || version.Contains("..", StringComparison.Ordinal))
        {
            throw new ArgumentException($"Dataset version '{version}' must not contain path separators.", nameof(version));
        }

        return $"{Root}/{version}/";
    }

    /// <summary>The path of one file of a dataset version.</summary>
    public static string PathOf(string version, string file) => FolderOf(version) + file;
}
