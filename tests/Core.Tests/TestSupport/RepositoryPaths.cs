namespace Recommender.Core.Tests.TestSupport;

/// <summary>
/// Finds data that lives next to the repository: <c>shared/</c> is a sibling of the clone in CI and
/// an ancestor's child locally, so both are found by walking up from the test binaries.
/// </summary>
public static class RepositoryPaths
{
    private static readonly Lazy<string> SharedDataFolder = new(FindSharedData);

    /// <summary>The <c>shared/data</c> folder.</summary>
    public static string SharedData => SharedDataFolder.Value;

    /// <summary>The MovieLens 100K folder (<c>u.data</c>, <c>u.item</c>, ...).</summary>
    public static string MovieLens100K => Path.Combine(SharedData, "movielens-100k");

    /// <summary>The MovieLens 100K ratings: tab-separated user, item, rating, unix seconds.</summary>
    public static string MovieLensRatings => Path.Combine(MovieLens100K, "u.data");

    private static string FindSharedData()
    {
        // Checking <dir>/shared at every ancestor also covers <clone>/../shared.
        for (DirectoryInfo? folder = new(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            string candidate = Path.Combine(folder.FullName, "shared", "data");
            if (Directory.Exists(Path.Combine(candidate, "movielens-100k")))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException(
            $"No shared/data/movielens-100k folder above {AppContext.BaseDirectory}; the repository is expected next to shared/.");
    }
}
