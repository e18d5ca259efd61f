namespace Recommender.Cli;

/// <summary>
/// The embedded default store every command works against: a folder (./.recommender unless
/// --store names another) holding the artifact store and the SQLite lookup table, so that
/// <c>run</c> then <c>export</c> or <c>recommend</c> just work.
/// </summary>
internal sealed class StoreLayout
{
    public const string DefaultFolder = ".recommender";

    public StoreLayout(string? root)
    {
        Root = Path.GetFullPath(string.IsNullOrWhiteSpace(root) ? DefaultFolder : root);
    }

    public string Root { get; }

    public string Artifacts => Path.Combine(Root, "artifacts");

    public string LookupDatabase => Path.Combine(Root, "lookup.db");

    public string Inputs => Path.Combine(Root, "inputs");
}
