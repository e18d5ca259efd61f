using System.CommandLine;
using Recommender.Core.Pipeline;

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

    public static Option<int> K(int defaultValue) =>
        CheckedOption.Number<int, PipelineOptions>("--k", "Number of items per user.", nameof(PipelineOptions.TopK), defaultValue);

    public static Option<int> EvaluationK(string description) =>
        CheckedOption.Number<int, PipelineOptions>("--eval-k", description, nameof(PipelineOptions.EvaluationK), 10);

    public static Option<bool> Json() => new("--json")
    {
        Description = "Print one JSON object on stdout instead of tables (progress and errors stay on stderr).",
    };

    public static Option<bool> Wait() => new("--wait")
    {
        Description = "When another run holds the store, wait for it to finish instead of exiting.",
    };

    public static Option<bool> Fresh() => new("--fresh")
    {
        Description = "Start a new run even when an interrupted run on the same input could resume.",
    };
}
