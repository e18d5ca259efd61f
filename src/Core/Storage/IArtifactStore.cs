namespace Recommender.Core.Storage;

/// <summary>
/// Where the pipeline keeps its artifacts (datasets, checkpoints, reports) by path such as
/// <c>models/{runId}/model.json</c>. Kept to what Blob Storage can do: whole-object writes
/// with optional ETag conditions, streaming reads, prefix listing, deletes.
/// </summary>
public interface IArtifactStore
{
    /// <summary>Opens an artifact for reading. Throws <see cref="ArtifactNotFoundException"/> when absent.</summary>
    Task<Stream> OpenReadAsync(string path, CancellationToken cancellationToken = default);

    /// <summary>
    /// Opens the bytes [<paramref name="offset"/>, <paramref name="offset"/> + <paramref name="length"/>) of an
    /// artifact, so a reader of one slice (a scoring shard's user rows) transfers only that slice. The stream
    /// ends early when the artifact is shorter. Throws <see cref="ArtifactNotFoundException"/> when absent.
    /// Stores that can fetch a range natively override this; the default opens the artifact and seeks (or skips) to the offset.
    /// </summary>
    async Task<Stream> OpenReadRangeAsync(string path, long offset, long length, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        Stream stream = await OpenReadAsync(path, cancellationToken).ConfigureAwait(false);
        try
        {
            if (stream.CanSeek)
            {
                stream.Seek(Math.Min(offset, stream.Length), SeekOrigin.Begin);
            }
            else
            {
                await ArtifactRangeStream.SkipAsync(stream, offset, cancellationToken).ConfigureAwait(false);
            }

            return new ArtifactRangeStream(stream, length);
        }
        catch
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Writes an artifact from a stream, replacing it unless a condition says otherwise, and
    /// returns its new ETag. A reader never sees a partly written artifact.
    /// Throws <see cref="ArtifactConflictException"/> when the condition fails.
    /// </summary>
    Task<string> WriteAsync(string path, Stream content, WriteCondition? condition = null, CancellationToken cancellationToken = default);

    /// <summary>Properties of an artifact, or null when it does not exist.</summary>
    Task<ArtifactInfo?> GetInfoAsync(string path, CancellationToken cancellationToken = default);

    /// <summary>Lists artifacts whose path starts with <paramref name="prefix"/>, in ordinal path order.</summary>
    IAsyncEnumerable<ArtifactInfo> ListAsync(string prefix, CancellationToken cancellationToken = default);

    /// <summary>Deletes an artifact; returns false when it did not exist.</summary>
    Task<bool> DeleteAsync(string path, CancellationToken cancellationToken = default);
}

/// <summary>Path, size, ETag and last-modified time of one artifact.</summary>
public sealed record ArtifactInfo(string Path, long Size, string ETag, DateTimeOffset LastModified);

/// <summary>Optimistic-concurrency condition on a write.</summary>
public sealed record WriteCondition
{
    /// <summary>Only write when the artifact does not exist yet.</summary>
    public static WriteCondition IfNotExists { get; } = new() { MustNotExist = true };

    /// <summary>Only write when the current ETag matches.</summary>
    public static WriteCondition IfMatch(string etag) => new() { ETag = etag };

    /// <summary>True to require that the artifact is absent.</summary>
    public bool MustNotExist { get; init; }

    /// <summary>ETag that the current artifact must have, or null.</summary>
    public string? ETag { get; init; }
}

/// <summary>The artifact asked for does not exist.</summary>
public sealed class ArtifactNotFoundException : Exception
{
    /// <summary>Creates the exception for <paramref name="path"/>.</summary>
    public ArtifactNotFoundException(string path, Exception? inner = null)
        : base($"Artifact '{path}' does not exist.", inner) => Path = path;

    /// <summary>The missing artifact's path.</summary>
    public string Path { get; }
}

/// <summary>A conditional write lost: the artifact exists, or changed since its ETag was read.</summary>
public sealed class ArtifactConflictException : Exception
{
    /// <summary>Creates the exception for <paramref name="path"/>.</summary>
    public ArtifactConflictException(string path, Exception? inner = null)
        : base($"Artifact '{path}' was changed or already exists; the conditional write did not happen.", inner) => Path = path;

    /// <summary>The contested artifact's path.</summary>
    public string Path { get; }
}

/// <summary>The storage backend failed in a way a retry may fix (throttling, timeouts, unavailability).</summary>
public sealed class ArtifactStoreUnavailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ArtifactStoreUnavailableException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}

/// <summary>Operations built on <see cref="IArtifactStore"/>'s own.</summary>
public static class ArtifactStoreExtensions
{
    /// <summary>
    /// Deletes every artifact whose path starts with <paramref name="prefix"/> (listed first, then deleted, so the
    /// listing never sees its own deletions); returns how many were deleted.
    /// </summary>
    public static async Task<int> DeleteUnderAsync(this IArtifactStore store, string prefix, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        var paths = new List<string>();
        await foreach (ArtifactInfo artifact in store.ListAsync(prefix, cancellationToken).ConfigureAwait(false))
        {
            paths.Add(artifact.Path);
        }

        int deleted = 0;
        foreach (string path in paths)
        {
            deleted += await store.DeleteAsync(path, cancellationToken).ConfigureAwait(false) ? 1 : 0;
        }

        return deleted;
    }
}
