namespace Recommender.Core.Datasets;

/// <summary>
/// The curated dataset in memory: dense user and item indices with their external ids,
/// and the train and validation interactions. This is what models train on and what
/// evaluation and scoring read; on disk it is <c>datasets/{version}/</c>.
/// </summary>
public sealed class CuratedDataset
{
    /// <summary>Version id of the dataset (content-derived, so the same inputs give the same version).</summary>
    public required string Version { get; init; }

    /// <summary>External user id of each dense user index.</summary>
    public required IReadOnlyList<string> UserIds { get; init; }

    /// <summary>External item id of each dense item index.</summary>
    public required IReadOnlyList<string> ItemIds { get; init; }

    /// <summary>Interactions to train on.</summary>
    public required InteractionTable Train { get; init; }

    /// <summary>Held-out interactions used for validation and evaluation.</summary>
    public required InteractionTable Validation { get; init; }

    /// <summary>
    /// Pairs a user interacted with that are no interactions to learn from (rated below the rating threshold): never
    /// recommended to that user, in scoring and in evaluation alike. Empty unless preprocessing had a threshold.
    /// </summary>
    public InteractionTable SeenOnly { get; init; } = InteractionTable.Empty;

    /// <summary>Every pair a user interacted with: train, validation and <see cref="SeenOnly"/>; nothing here is recommended to its user.</summary>
    public IReadOnlyList<InteractionTable> AllSeen => [Train, Validation, SeenOnly];

    /// <summary>True when weights are explicit ratings (train with MSE), false for implicit feedback.</summary>
    public bool IsExplicit { get; init; }

    /// <summary>Number of users.</summary>
    public int UserCount => UserIds.Count;

    /// <summary>Number of items.</summary>
    public int ItemCount => ItemIds.Count;
}

/// <summary>Interactions as parallel arrays: dense user, dense item, weight and time per row.</summary>
public sealed class InteractionTable
{
    /// <summary>Creates a table; all arrays must have the same length.</summary>
    public InteractionTable(int[] users, int[] items, float[] weights, long[] timestamps)
    {
        ArgumentNullException.ThrowIfNull(users);
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(timestamps);
        if (items.Length != users.Length || weights.Length != users.Length || timestamps.Length != users.Length)
        {
            throw new ArgumentException("Interaction columns must have the same length.");
        }

        Users = users;
        Items = items;
        Weights = weights;
        Timestamps = timestamps;
    }

    /// <summary>Dense user index per row.</summary>
    public int[] Users { get; }

    /// <summary>Dense item index per row.</summary>
    public int[] Items { get; }

    /// <summary>Weight (rating for explicit data) per row.</summary>
    public float[] Weights { get; }

    /// <summary>Event time per row, microseconds since the Unix epoch (0 where the log had none).</summary>
    public long[] Timestamps { get; }

    /// <summary>Number of rows.</summary>
    public int Count => Users.Length;

    /// <summary>An empty table.</summary>
    public static InteractionTable Empty { get; } = new([], [], [], []);
}
