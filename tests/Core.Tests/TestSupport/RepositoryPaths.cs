using System.IO.Compression;
using System.Security.Cryptography;

namespace Recommender.Core.Tests.TestSupport;

/// <summary>
/// Finds MovieLens 100K for the tests that need it, in this order: the folder named by the
/// <see cref="MovieLensVariable"/> environment variable; <c>shared/data/movielens-100k</c>, <c>movielens-100k</c> or
/// <c>ml-100k</c> in any folder above the test binaries (so beside the clone, as CI has it); the download cache;
/// and last the official GroupLens archive, downloaded once into that cache and checked against its published
/// MD5 and the known SHA-256 of <c>u.data</c>. When none of these works (no copy, no network) the tests that need
/// it are skipped, each with one line that says why and how to provide the data.
/// </summary>
public static class RepositoryPaths
{
    /// <summary>Environment variable naming a folder that holds <c>u.data</c> (e.g. the extracted <c>ml-100k</c>); <c>none</c> skips without looking further.</summary>
    public const string MovieLensVariable = "RECOMMENDER_MOVIELENS_100K";

    /// <summary>The official archive.</summary>
    public const string MovieLensUrl = "https://files.grouplens.org/datasets/movielens/ml-100k.zip";

    /// <summary>MD5 of the archive, as GroupLens publishes it beside the archive (<c>ml-100k.zip.md5</c>).</summary>
    private const string ArchiveMd5 = "0e33842e24a9c977be4e0107933c0723";

    /// <summary>SHA-256 of <c>u.data</c> in that archive: the file the tests read is checked with a strong hash too.</summary>
    private const string RatingsSha256 = "06416e597f82b7342361e41163890c81036900f418ad91315590814211dca490";

    private static readonly string[] FolderNames = [Path.Combine("shared", "data", "movielens-100k"), "movielens-100k", "ml-100k"];

    private static readonly Lazy<(string? Folder, string Why)> Located = new(Locate);

    /// <summary>The repository root: the folder above the test binaries that holds <c>Recommender.sln</c>.</summary>
    public static string Root
    {
        get
        {
            for (DirectoryInfo? folder = new(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
            {
                if (File.Exists(Path.Combine(folder.FullName, "Recommender.sln")))
                {
                    return folder.FullName;
                }
            }

            throw new DirectoryNotFoundException($"No Recommender.sln above {AppContext.BaseDirectory}.");
        }
    }

    /// <summary>The MovieLens 100K folder (<c>u.data</c>, <c>u.item</c>, ...); skips the calling test when there is none.</summary>
    public static string MovieLens100K => Located.Value.Folder ?? throw new SkipException(Located.Value.Why);

    /// <summary>The MovieLens 100K ratings: tab-separated user, item, rating, unix seconds.</summary>
    public static string MovieLensRatings => Path.Combine(MovieLens100K, "u.data");

    /// <summary>Where a downloaded copy is kept between test runs.</summary>
    public static string CacheFolder
    {
        get
        {
            string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            string root = !string.IsNullOrEmpty(xdg) ? xdg
                : OperatingSystem.IsWindows() ? Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData)
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
            return Path.Combine(root, "recommender", "ml-100k");
        }
    }

    private static (string? Folder, string Why) Locate()
    {
        string? configured = Environment.GetEnvironmentVariable(MovieLensVariable);
        if (string.Equals(configured, "none", StringComparison.OrdinalIgnoreCase))
        {
            return Skipped($"{MovieLensVariable}=none");
        }

        if (!string.IsNullOrEmpty(configured))
        {
            // A folder someone named and that is not there is a mistake to fix, not a reason to skip.
            return File.Exists(Path.Combine(configured, "u.data"))
                ? (Path.GetFullPath(configured), string.Empty)
                : throw new DirectoryNotFoundException($"{MovieLensVariable}={configured} has no u.data; name the extracted ml-100k folder.");
        }

        for (DirectoryInfo? folder = new(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            foreach (string name in FolderNames)
            {
                string candidate = Path.Combine(folder.FullName, name);
                if (File.Exists(Path.Combine(candidate, "u.data")))
                {
                    return (candidate, string.Empty);
                }
            }
        }

        if (IsVerified(CacheFolder))
        {
            return (CacheFolder, string.Empty);
        }

        try
        {
            Download();
            return (CacheFolder, string.Empty);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException or InvalidDataException or UnauthorizedAccessException)
        {
            return Skipped($"no copy beside the repository and the download of {MovieLensUrl} failed ({ex.Message})");
        }
    }

    private static (string? Folder, string Why) Skipped(string cause)
    {
        string why = $"MovieLens 100K not available: {cause}. Set {MovieLensVariable} to an extracted ml-100k folder, or put shared/data/movielens-100k beside the repository, to run these tests.";
        Console.Error.WriteLine($"SKIPPED: {why}");
        return (null, why);
    }

    private static void Download()
    {
        using var handler = new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(10) };
        using var client = new HttpClient(handler) { Timeout = TimeSpan.FromMinutes(2) };
        byte[] archive = client.GetByteArrayAsync(new Uri(MovieLensUrl)).GetAwaiter().GetResult();
#pragma warning disable CA5351 // GroupLens publishes an MD5; u.data is also checked against its SHA-256 below.
        string md5 = Convert.ToHexStringLower(MD5.HashData(archive));
#pragma warning restore CA5351
        if (md5 != ArchiveMd5)
        {
            throw new InvalidDataException($"the archive's MD5 is {md5}, not the published {ArchiveMd5}");
        }

        // Extracted beside the cache and moved into place whole, so parallel test processes never see half a copy.
        string partial = $"{CacheFolder}.{Environment.ProcessId}.partial";
        if (Directory.Exists(partial))
        {
            Directory.Delete(partial, recursive: true);
        }

        Directory.CreateDirectory(partial);
        using (var zip = new ZipArchive(new MemoryStream(archive), ZipArchiveMode.Read))
        {
            foreach (ZipArchiveEntry entry in zip.Entries.Where(e => e.FullName.StartsWith("ml-100k/", StringComparison.Ordinal) && e.Name.Length > 0 && !e.FullName.Contains("..", StringComparison.Ordinal)))
            {
                entry.ExtractToFile(Path.Combine(partial, entry.Name));
            }
        }

        if (!IsVerified(partial))
        {
            throw new InvalidDataException($"u.data in the archive does not have the SHA-256 {RatingsSha256}");
        }

        try
        {
            Directory.Move(partial, CacheFolder);
        }
        catch (IOException) when (IsVerified(CacheFolder))
        {
            // Another test process got there first.
            Directory.Delete(partial, recursive: true);
        }
    }

    private static bool IsVerified(string folder)
    {
        string ratings = Path.Combine(folder, "u.data");
        if (!File.Exists(ratings))
        {
            return false;
        }

        using FileStream stream = File.OpenRead(ratings);
        return Convert.ToHexStringLower(SHA256.HashData(stream)) == RatingsSha256;
    }
}
