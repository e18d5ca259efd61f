namespace Recommender.Infra.Tests.Tooling;

/// <summary>Paths inside the repository the tests run from.</summary>
internal static class Repository
{
    private static readonly Lazy<string> s_root = new(FindRoot);

    /// <summary>The repository root: the folder that holds <c>Recommender.sln</c>.</summary>
    public static string Root => s_root.Value;

    /// <summary>The Bicep templates: <c>infra/bicep</c>.</summary>
    public static string BicepFolder => PathOf("infra", "bicep");

    /// <summary>An absolute path from segments relative to the root.</summary>
    public static string PathOf(params string[] segments) => Path.Combine([Root, .. segments]);

    private static string FindRoot()
    {
        for (DirectoryInfo? folder = new(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Recommender.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException(
            $"No folder above '{AppContext.BaseDirectory}' holds Recommender.sln: the tests must run from a build inside the repository.");
    }
}
