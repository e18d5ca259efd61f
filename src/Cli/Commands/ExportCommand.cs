using System.CommandLine;
using Recommender.Core.Evaluation;
using Recommender.Core.Datasets;
using Recommender.Core.Lookup;
using Recommender.Core.Pipeline;
using Recommender.Core.Storage;
using Spectre.Console;

namespace Recommender.Cli.Commands;

/// <summary><c>recommender export --out recs.parquet</c>: the active version as (user_id, rank, item_id, score).</summary>
internal static class ExportCommand
{
    public static Command Create()
    {
        var store = CommonOptions.Store();
        var output = new Option<string>("--out", "-o") { Description = "Parquet file to write.", Required = true };
        var version = new Option<string?>("--version") { Description = "Version to export (default: the active one)." };
        var force = new Option<bool>("--force") { Description = "Overwrite the --out file when it exists." };
        var command = new Command("export", "Write the published recommendations as a Parquet file with external ids.") { store, output, version, force };
        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(async () =>
        {
            var layout = new StoreLayout(parse.GetValue(store));
            string path = FileArguments.RequireWritableFile(parse.GetValue(output)!, "--out");
            if (layout.Contains(path))
            {
                throw new ArgumentException($"--out {parse.GetValue(output)} is inside the store {layout.Root}; write the export outside it.");
            }

            FileArguments.RefuseOverwrite(path, parse.GetValue(output)!, "--out", parse.GetValue(force));

            if (!path.EndsWith(".parquet", StringComparison.OrdinalIgnoreCase))
            {
                ConsoleOutput.Error.MarkupLine($"[yellow]note:[/] --out {Markup.Escape(parse.GetValue(output)!)}: the file is Parquet whatever its name says.");
            }

            using SqliteLookupStore lookup = LookupVersions.OpenExisting(layout);
            string chosen = parse.GetValue(version)
                ?? await lookup.GetActiveVersionAsync(cancellationToken).ConfigureAwait(false)
                ?? throw LookupVersions.NothingPublished(layout);
            await LookupVersions.RequirePublishedAsync(lookup, chosen, layout, cancellationToken).ConfigureAwait(false);
            RecommendationIdTypes idTypes = await IdTypesAsync(layout, chosen, cancellationToken).ConfigureAwait(false);
            long rows = await RecommendationFile.WriteAsync(path, lookup.ReadAllAsync(chosen, cancellationToken), idTypes, cancellationToken).ConfigureAwait(false);
            ConsoleOutput.Out.MarkupLine($"Wrote {ConsoleReport.N(rows)} rows of version {chosen} to {Markup.Escape(path)} (user_id {idTypes.User}, item_id {idTypes.Item})");
        }));
        return command;
    }

    /// <summary>The id types the version's input logs had; text, said on stderr, when the run's artifacts are gone.</summary>
    private static async Task<RecommendationIdTypes> IdTypesAsync(StoreLayout layout, string version, CancellationToken cancellationToken)
    {
        try
        {
            return await PublishedIdTypes.ReadAsync(new LocalArtifactStore(layout.Artifacts), version, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ArtifactNotFoundException or InvalidCuratedDatasetException)
        {
            ConsoleOutput.Error.MarkupLine($"[yellow]ids written as text:[/] the input id types of version {Markup.Escape(version)} are unknown ({Markup.Escape(ex.Message)})");
            return RecommendationIdTypes.Text;
        }
    }
}
