using System.CommandLine;

namespace Recommender.Cli;

/// <summary>Options several commands share.</summary>
internal static class CommonOptions
{
    public static Option<string?> Store() => new("--store")
    {
        Description = $"Folder of the embedded store (artifacts and lookup table). Default: ./{StoreLayout.DefaultFolder}",
    };

    public static Option<string[]> Inputs(bool required) => new("--input", "-i")
    {
        Description = "Parquet interaction logs: files, folders or globs (repeatable).",
        Required = required,
        AllowMultipleArgumentsPerToken = true,
    };

    public static Option<int> K(int defaultValue) => new("--k")
    {
        Description = "Number of items per user.",
        DefaultValueFactory = _ => defaultValue,
    };
}
