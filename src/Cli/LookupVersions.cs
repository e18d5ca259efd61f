using Recommender.Core.Lookup;

namespace Recommender.Cli;

/// <summary>Versions of the store's lookup table as the commands name them.</summary>
internal static class LookupVersions
{
    /// <summary>The store's lookup table; throws <see cref="FileNotFoundException"/> (exit 2) saying what to run when the store has none.</summary>
    public static SqliteLookupStore OpenExisting(StoreLayout layout)
    {
        ArgumentNullException.ThrowIfNull(layout);
        if (!File.Exists(layout.LookupDatabase))
        {
            throw new FileNotFoundException($"No lookup table in {layout.Root}; run 'recommender run' or 'recommender demo' first.");
        }

        return new SqliteLookupStore(layout.LookupDatabase);
    }

    /// <summary>The store's active version, or null when it has no lookup table or nothing was ever published in it.</summary>
    public static async Task<string?> ActiveOrNullAsync(StoreLayout layout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(layout);
        if (!File.Exists(layout.LookupDatabase))
        {
            return null;
        }

        using SqliteLookupStore lookup = OpenExisting(layout);
        return await lookup.GetActiveVersionAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The input error (exit 2) of a store whose lookup table has no published version yet.</summary>
    public static ArgumentException NothingPublished(StoreLayout layout) =>
        new($"Nothing is published in {layout.Root} yet: run 'recommender run' (a run the quality gate rejects publishes nothing).");

    /// <summary>Throws <see cref="ArgumentException"/> (exit 2) listing the published versions when <paramref name="version"/> is not one of them.</summary>
    public static async Task RequirePublishedAsync(ILookupStore lookup, string version, StoreLayout layout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lookup);
        IReadOnlyList<LookupVersion> versions = await lookup.ListVersionsAsync(cancellationToken).ConfigureAwait(false);
        if (versions.FindPublished(version) is not null)
        {
            return;
        }

        string[] published = [.. versions.Where(v => v.IsPublished).OrderByDescending(v => v.CreatedAt).Select(v => v.IsActive ? $"{v.Version} (active)" : v.Version)];
        string known = published.Length == 0 ? "none is published yet" : $"published versions: {string.Join(", ", published)}";
        throw new ArgumentException($"--version '{version}' is not a published version of the lookup table in {layout.Root}; {known}.");
    }
}
