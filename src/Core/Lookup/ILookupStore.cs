namespace Recommender.Core.Lookup;

/// <summary>
/// The table the API reads: top-K lists per user, written under a version and made visible
/// all at once by <see cref="PublishAsync"/>. Readers see either the old or the new active
/// version, never a mix.
/// </summary>
/// <remarks>
/// Every implementation keeps the same rules (the <c>LookupStoreContract</c> tests run against each):
/// <list type="bullet">
/// <item>A version is known once a user list was written under it; the active version is read-only
/// (writing its lists or fallback throws <see cref="InvalidOperationException"/>) and cannot be deleted.</item>
/// <item>An unknown version is a <see cref="KeyNotFoundException"/> where the caller needs it
/// (<see cref="PublishAsync"/>, <see cref="ReadAllAsync"/>), and simply absent where absence is an answer
/// (<see cref="GetAsync"/> and <see cref="GetFallbackAsync"/> return null, <see cref="DeleteVersionAsync"/> does nothing).</item>
/// <item>Which versions to keep is the pipeline's decision (it keeps the newest published ones); a store
/// only deletes the version it is told to.</item>
/// </list>
/// </remarks>
public interface ILookupStore
{
    /// <summary>Adds a batch of users' lists to a version that is being written (idempotent per user).</summary>
    /// <exception cref="InvalidOperationException"><paramref name="version"/> is the active version.</exception>
    Task WriteAsync(string version, IReadOnlyList<UserRecommendations> batch, CancellationToken cancellationToken = default);

    /// <summary>Stores the list served to users the version has no list for (popularity, excluding nothing).</summary>
    /// <exception cref="InvalidOperationException"><paramref name="version"/> is the active version.</exception>
    Task WriteFallbackAsync(string version, UserRecommendations fallback, CancellationToken cancellationToken = default);

    /// <summary>The fallback list of the active version (or of <paramref name="version"/>), or null when none was stored.</summary>
    Task<UserRecommendations?> GetFallbackAsync(string? version = null, CancellationToken cancellationToken = default);

    /// <summary>Makes <paramref name="version"/> the active one, atomically; returns the version it replaced, if any.</summary>
    /// <exception cref="KeyNotFoundException">No user list was written under <paramref name="version"/>.</exception>
    Task<string?> PublishAsync(string version, CancellationToken cancellationToken = default);

    /// <summary>The active version, or null before the first publish.</summary>
    Task<string?> GetActiveVersionAsync(CancellationToken cancellationToken = default);

    /// <summary>One user's list in the active version (or in <paramref name="version"/>), or null when absent.</summary>
    Task<UserRecommendations?> GetAsync(string userId, string? version = null, CancellationToken cancellationToken = default);

    /// <summary>Every version the store holds, newest first, with whether it is active.</summary>
    Task<IReadOnlyList<LookupVersion>> ListVersionsAsync(CancellationToken cancellationToken = default);

    /// <summary>Removes a version's rows; an unknown version is left as it is (nothing to remove).</summary>
    /// <exception cref="InvalidOperationException"><paramref name="version"/> is the active version.</exception>
    Task DeleteVersionAsync(string version, CancellationToken cancellationToken = default);

    /// <summary>Streams every user's list of a version, in ordinal user id order (for export).</summary>
    /// <exception cref="KeyNotFoundException">The store has no such version.</exception>
    IAsyncEnumerable<UserRecommendations> ReadAllAsync(string version, CancellationToken cancellationToken = default);
}

/// <summary>One user's ranked items with scores, under a model version.</summary>
public sealed record UserRecommendations(string UserId, IReadOnlyList<string> ItemIds, IReadOnlyList<float> Scores, string Version, DateTimeOffset GeneratedAt);

/// <summary>A version held by the lookup store.</summary>
public sealed record LookupVersion(string Version, DateTimeOffset CreatedAt, long UserCount, bool IsActive, bool IsPublished);

/// <summary>Questions about the versions a lookup store lists.</summary>
public static class LookupVersionList
{
    /// <summary>
    /// The kept version <paramref name="version"/> when it was published before (live now or kept for rollback): the
    /// only versions that may be made live again. Null when the store does not hold it, or holds it unpublished.
    /// </summary>
    public static LookupVersion? FindPublished(this IEnumerable<LookupVersion> versions, string version)
    {
        ArgumentNullException.ThrowIfNull(versions);
        return versions.FirstOrDefault(v => v.IsPublished && string.Equals(v.Version, version, StringComparison.Ordinal));
    }
}
