using System.CommandLine;
using Recommender.Core.Ingestion;
using Recommender.Core.Pipeline;
using Recommender.Core.Preprocessing;
using Recommender.Core.Storage;

namespace Recommender.Cli.Commands;

/// <summary><c>recommender preprocess</c>: Parquet logs in, a curated dataset out, with a summary.</summary>
internal static class PreprocessCommand
{
    public static Command Create()
    {
        var inputs = CommonOptions.Inputs(required: true);
        var store = CommonOptions.Store();
        var output = new Option<string?>("--out", "-o") { Description = "Artifact folder to write datasets/{version}/ into. Default: the store's artifacts." };
        var json = CommonOptions.Json();
        var arguments = new PreprocessingArguments();
        var command = new Command("preprocess", "Clean, deduplicate, filter, encode and split interaction logs into a curated dataset.") { inputs, store, output, json };
        arguments.AddTo(command);

        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(async () =>
        {
            PreprocessingOptions options = arguments.Options(parse);
            if (parse.GetValue(output) is { } folder && File.Exists(folder))
            {
                throw new ArgumentException($"--out {folder} is a file; --out names the folder that datasets/{{version}}/ is written into.");
            }

            var layout = new StoreLayout(parse.GetValue(store));
            IReadOnlyList<string> files = InteractionLogFiles.Expand(parse.GetValue(inputs)!);
            ColumnMapping mapping = arguments.Mapping(parse);
            await ColumnOptionCheck.EnsureNamedColumnsExistAsync(files, mapping, cancellationToken).ConfigureAwait(false);
            var artifacts = new LocalArtifactStore(parse.GetValue(output) ?? layout.Artifacts);
            var source = new LocalFileLogSource(files);
            PreprocessingResult result = await ConsoleProgress.ReadLogsAsync(
                progress => new PreprocessStep().RunAsync(source, mapping, options, artifacts, progress, cancellationToken)).ConfigureAwait(false);
            string manifest = artifacts.GetFullPath(result.DatasetPath.TrimEnd('/') + "/manifest.json");
            var view = PreprocessingView.From(result);
            if (parse.GetValue(json))
            {
                ConsoleOutput.Json(new { preprocessing = view, manifest });
            }
            else
            {
                ConsoleReport.Preprocessing(view, manifest);
            }
        }));
        return command;
    }
}
