namespace Recommender.Cli;

/// <summary>
/// The embedded default store every command works against: a folder (./.recommender unless
/// --store names another) holding the artifact store and the SQLite lookup table, so that
/// <c>run</c> then <c>export</c> or <c>recommend</c> just work.
/// </summary>
internal sealed class StoreLayout
{
    public const string DefaultFolder = ".recommender";

    /// <exception cref="ArgumentException"><paramref name="root"/> is a file.</exception>
    public StoreLayout(string? root)
    {
        Root = Path.GetFullPath(string.IsNullOrWhiteSpace(root) ? DefaultFolder : root);
        if (File.Exists(Root))
        {
            throw new ArgumentException($"--store {root} is a file; the store is a folder (it is created when missing).");
        }
    }

    public string Root { get; }

    /// <summary>True when <paramref name="path"/> (a full path) is inside the store's folder.</summary>
    public bool Contains(string path) =>
        Path.GetFullPath(path).StartsWith(Root.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    public string Artifacts => Path.Combine(Root, "artifacts");

    public string LookupDatabase => Path.Combine(Root, "lookup.db");

    public string Inputs => Path.Combine(Root, "inputs");
}
