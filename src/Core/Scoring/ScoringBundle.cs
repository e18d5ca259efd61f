using System.Globalization;
using Recommender.Core.Training;

namespace Recommender.Core.Scoring;

/// <summary>
/// The scoring bundle of a run, <c>models/{runId}/scoring/</c>: what the scoring shards read instead of
/// the whole model and dataset. The item part (factors and external ids of every item) is read whole;
/// the per-user files have fixed-stride or offset-indexed rows, so a shard reads its users' rows by byte
/// range and its memory depends on the shard and the catalog, never on the user count.
/// </summary>
/// <remarks>
/// Files (little-endian): <c>item-factors.f32</c> and <c>user-factors.f32</c> are float32 rows of
/// <see cref="ScoringBundleHeader.Dimension"/> values; <c>item-ids.bin</c> and <c>user-ids.bin</c> are
/// int64 offsets (count + 1) followed by the UTF-8 bytes of the ids; <c>seen-items.bin</c> is int64
/// offsets (users + 1) followed by each user's distinct seen items as sorted int32 indices.
/// <c>header.json</c> is written last: a bundle without one is incomplete.
/// </remarks>
internal static class ScoringBundle
{
    /// <summary>Version of the layout this code writes and reads.</summary>
    public const int CurrentFormatVersion = 1;

    /// <summary>Largest header read back.</summary>
    public const long MaxHeaderBytes = 1L << 20;

    /// <summary>Float32 factor rows of every item.</summary>
    public const string ItemFactors = "item-factors.f32";

    /// <summary>Offsets and UTF-8 bytes of every item's external id.</summary>
    public const string ItemIds = "item-ids.bin";

    /// <summary>Float32 factor rows of every user.</summary>
    public const string UserFactors = "user-factors.f32";

    /// <summary>Offsets and UTF-8 bytes of every user's external id.</summary>
    public const string UserIds = "user-ids.bin";

    /// <summary>Offsets and sorted item indices of every user's seen items.</summary>
    public const string SeenItems = "seen-items.bin";

    /// <summary>The data files, in the order they are written.</summary>
    public static IReadOnlyList<string> DataFiles { get; } = [ItemFactors, ItemIds, UserFactors, UserIds, SeenItems];

    /// <summary>Folder of the bundle: <c>models/{runId}/scoring/</c>.</summary>
    public static string Folder(string runId) => $"{ModelArtifactPaths.Run(runId)}scoring/";

    /// <summary>The bundle's header: <c>models/{runId}/scoring/header.json</c>.</summary>
    public static string HeaderPath(string runId) => $"{Folder(runId)}header.json";

    /// <summary>A data file of the bundle.</summary>
    public static string PathOf(string runId, string file) => $"{Folder(runId)}{file}";

    /// <summary>Bytes of the offsets section of an offset-indexed file with <paramref name="rows"/> rows.</summary>
    public static long OffsetsBytes(int rows) => ((long)rows + 1) * sizeof(long);

    /// <summary>The size a data file must have, given the header's counts; null where the size depends on the ids' text.</summary>
    public static long? ExpectedBytes(ScoringBundleHeader header, string file)
    {
        ArgumentNullException.ThrowIfNull(header);
        return file switch
        {
            ItemFactors => (long)header.ItemCount * header.Dimension * sizeof(float),
            UserFactors => (long)header.UserCount * header.Dimension * sizeof(float),
            SeenItems => OffsetsBytes(header.UserCount) + (header.SeenCount * sizeof(int)),
            _ => null,
        };
    }

    /// <summary>Throws <see cref="PlatformNotSupportedException"/> on big-endian hosts, which would misread the files.</summary>
    public static void EnsureLittleEndian()
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("Scoring bundles are little-endian; this host is big-endian.");
        }
    }

    /// <summary>An <see cref="InvalidModelArtifactException"/> for a data file of a run's bundle.</summary>
    public static InvalidModelArtifactException Invalid(string runId, string file, string reason, Exception? inner = null) =>
        new(PathOf(runId, file), reason, inner);

    /// <summary>Formats a count for messages.</summary>
    public static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}

/// <summary>
/// <c>header.json</c> of a scoring bundle: what the files hold and how big they are, so a reader can
/// check a bundle before trusting byte offsets into it.
/// </summary>
/// <param name="FormatVersion">Layout version (<see cref="ScoringBundle.CurrentFormatVersion"/>).</param>
/// <param name="RunId">The run the factors come from.</param>
/// <param name="DatasetVersion">The dataset the ids and seen items come from.</param>
/// <param name="BestEpoch">The epoch whose factors the bundle holds.</param>
/// <param name="UserCount">Users (rows of the per-user files).</param>
/// <param name="ItemCount">Items (rows of the item files).</param>
/// <param name="Dimension">Values per factor row.</param>
/// <param name="SeenCount">Distinct (user, item) pairs in <c>seen-items.bin</c>.</param>
/// <param name="Files">Size and SHA-256 of every data file.</param>
internal sealed record ScoringBundleHeader(
    int FormatVersion,
    string RunId,
    string DatasetVersion,
    int BestEpoch,
    int UserCount,
    int ItemCount,
    int Dimension,
    long SeenCount,
    IReadOnlyList<ScoringBundleFile> Files)
{
    /// <summary>Total bytes of the data files.</summary>
    public long TotalBytes => Files.Sum(f => f.Bytes);

    /// <summary>The entry of <paramref name="name"/>.</summary>
    /// <exception cref="InvalidModelArtifactException">The header lists no such file.</exception>
    public ScoringBundleFile FileNamed(string name) =>
        Files.FirstOrDefault(f => f.Name == name)
        ?? throw new InvalidModelArtifactException(ScoringBundle.HeaderPath(RunId), $"it lists no '{name}'");
}

/// <summary>One data file of a scoring bundle.</summary>
/// <param name="Name">File name within the bundle's folder.</param>
/// <param name="Bytes">Its size.</param>
/// <param name="Sha256">Lower-case hex SHA-256 of its content.</param>
internal sealed record ScoringBundleFile(string Name, long Bytes, string Sha256);
