using Recommender.Core.Ingestion;

namespace Recommender.Core.Preprocessing;

/// <summary>
/// One interaction log to preprocess: its name, what identifies its content (ETag, size) and how to
/// stream its rows. Reading is deferred to <see cref="ReadBatches"/> so that logs are opened one at a time.
/// </summary>
/// <param name="Source">Name of the file or blob, as shown in messages and the manifest.</param>
/// <param name="ReadBatches">
/// Streams the log's rows. Throws <see cref="InvalidInteractionLogException"/> (when opened or part-way) when the
/// log cannot be used; its rows are then discarded and the log is reported as rejected.
/// </param>
public sealed record InteractionLogInput(string Source, Func<CancellationToken, IAsyncEnumerable<InteractionBatch>> ReadBatches)
{
    /// <summary>ETag of the log's content when known; part of the dataset version, so a changed log gives a new version.</summary>
    public string? ETag { get; init; }

    /// <summary>Size of the log in bytes when known; part of the dataset version.</summary>
    public long? Size { get; init; }

    /// <summary>
    /// Which column of the log was used for what (e.g. <c>user</c> → <c>user_id</c>), recorded in the manifest.
    /// It is read after the log's batches have been streamed, so a reader may fill it as it resolves the columns.
    /// </summary>
    public IReadOnlyDictionary<string, string>? Schema { get; init; }
}
