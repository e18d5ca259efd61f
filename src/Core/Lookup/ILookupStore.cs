namespace Recommender.Core.Lookup;

/// <summary>
/// The table the API reads: top-K lists per user, written under a version and made visible
/// all at once by <see cref="PublishAsync"/>. Readers see either the old or the new active
/// version, never a mix.
/// </summary>
public interface ILookupStore
{
    /// <summary>Adds a batch of users' lists to a version that is being written (idempotent per user).</summary>
    Task WriteAsync(string version, IReadOnlyList<UserRecommendations> batch, CancellationToken cancellationToken = default);

    /// <summary>Stores the list served to users the version has no list for (popularity, excluding nothing).</summary>
    Task WriteFallbackAsync(string version, UserRecommendations fallback, CancellationToken cancellationToken = default);

    /// <summary>The fallback list of the active version (or of <paramref name="version"/>), or null when none was stored.</summary>
    Task<UserRecommendations?> GetFallbackAsync(string? version = null, CancellationToken cancellationToken = default);

    /// <summary>Makes <paramref name="version"/> the active one, atomically; returns the version it replaced, if any.</summary>
    Task<string?> PublishAsync(string version, CancellationToken cancellationToken = default);

    /// <summary>The active version, or null before the first publish.</summary>
    Task<string?> GetActiveVersionAsync(CancellationToken cancellationToken = default);

    /// <summary>One user's list in the active version (or in <paramref name="version"/>), or null when absent.</summary>
    Task<UserRecommendations?> GetAsync(string userId, string? version = null, CancellationToken cancellationToken = default);

    /// <summary>Every version the store holds, newest first, with whether it is active.</summary>
    Task<IReadOnlyList<LookupVersion>> ListVersionsAsync(CancellationToken cancellationToken = default);

    /// <summary>Removes a version's rows. The active version cannot be deleted.</summary>
    Task DeleteVersionAsync(string version, CancellationToken cancellationToken = default);

    /// <summary>Streams every user's list of a version, in ordinal user id order (for export).</summary>
    IAsyncEnumerable<UserRecommendations> ReadAllAsync(string version, CancellationToken cancellationToken = default);
}

/// <summary>One user's ranked items with scores, under a model version.</summary>
public sealed record UserRecommendations(string UserId, IReadOnlyList<string> ItemIds, IReadOnlyList<float> Scores, string Version, DateTimeOffset GeneratedAt);

/// <summary>A version held by the lookup store.</summary>
public sealed record LookupVersion(string Version, DateTimeOffset CreatedAt, long UserCount, bool IsActive, bool IsPublished);
