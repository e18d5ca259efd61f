using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Recommender.Core.Demo;
using Recommender.Core.Ingestion;
using Recommender.Core.Lookup;
using Recommender.Core.Pipeline;
using Recommender.Core.Preprocessing;
using Recommender.Core.Training;
using Spectre.Console;

namespace Recommender.Cli.Commands;

/// <summary>
/// <c>recommender demo</c>: the whole pipeline on a generated log with planted taste clusters, on the
/// embedded store, then the metrics against popularity and a few users' lists checked against the plant.
/// </summary>
internal static class DemoCommand
{
    private static readonly int[] SampleUsers = [7, 42, 1_000, 2_024];

    public static Command Create()
    {
        var store = CommonOptions.Store();
        var users = CheckedOption.Number("--users", $"Users in the generated log. Default {new SyntheticLogOptions().Users}.", 1, 10_000_000);
        var seed = CheckedOption.Number("--seed", "Seed of the generated log. Default 42.", int.MinValue, int.MaxValue);
        var wait = CommonOptions.Wait();
        var fresh = CommonOptions.Fresh();
        var json = CommonOptions.Json();
        var training = new TrainingArguments();
        var command = new Command("demo", "Generate a realistic interaction log and run the whole pipeline on it, with nothing to install.") { store, users, seed, wait, fresh, json };
        training.AddTo(command);

        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(async () =>
        {
            TrainingOptions trainingOptions = training.Options(parse, new TrainingOptions { Epochs = 20 });
            var layout = new StoreLayout(parse.GetValue(store));
            var logOptions = new SyntheticLogOptions { Users = parse.GetValue(users) ?? new SyntheticLogOptions().Users, Seed = parse.GetValue(seed) ?? 42 };
            string log = await WriteLogAsync(layout, logOptions, cancellationToken).ConfigureAwait(false);

            var preprocessing = new PreprocessingOptions
            {
                EventWeights = new(StringComparer.OrdinalIgnoreCase) { ["view"] = 1, ["click"] = 2, ["purchase"] = 5 },
                Split = new SplitOptions { Kind = SplitKind.StratifiedPerItem, TrainRatio = 0.75, Seed = 42 },
            };
            var control = new RunControl("demo", parse.GetValue(wait), parse.GetValue(fresh), parse.GetValue(json), InterruptedRuns.SettingsOf(parse));
            using var pipeline = new LocalPipeline(layout, new LocalFileLogSource([log]), preprocessing, trainingOptions, ColumnMapping.AutoDetect, NullLoggerFactory.Instance);
            PipelineRun run = await PipelineRunner.RunAsync(pipeline, layout, control, "demo", topK: 100, evaluationK: 10, cancellationToken).ConfigureAwait(false);
            var files = new Dictionary<string, string>(StringComparer.Ordinal) { ["generatedLog"] = log };
            bool published = run.Outcome.Result == RunResults.Published;
            if (control.Json)
            {
                ConsoleOutput.Json(PipelineRunner.ToJson(run, files));
            }
            else
            {
                PipelineRunner.Print(run, files);
                if (published)
                {
                    await PrintSampleUsersAsync(pipeline.Lookup, logOptions, cancellationToken).ConfigureAwait(false);
                    ConsoleOutput.Out.MarkupLine($"Store: {Markup.Escape(layout.Root)}  (try: recommender recommend --user {SyntheticInteractionLog.UserId(7)})");
                }
            }

            if (!published)
            {
                // As `run` ends: a demo whose model the quality gate rejected did not do what it was asked.
                throw new InvalidOperationException(
                    $"Demo run {run.Outcome.RunId} was not published, so there are no recommendations to show; a larger --users gives the model more to learn from.");
            }
        }));
        return command;
    }

    private static async Task<string> WriteLogAsync(StoreLayout layout, SyntheticLogOptions options, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(layout.Inputs);
        string path = Path.Combine(layout.Inputs, string.Create(CultureInfo.InvariantCulture, $"demo-interactions-{options.Users}-{options.Seed}.parquet"));
        if (!File.Exists(path))
        {
            string partial = path + ".partial";
            await using (FileStream output = File.Create(partial))
            {
                long rows = await SyntheticInteractionLog.WriteAsync(output, options, cancellationToken).ConfigureAwait(false);
                ConsoleOutput.Error.MarkupLine(string.Create(CultureInfo.InvariantCulture, $"[grey]generated {rows:N0} interactions of {options.Users:N0} users with {options.Items:N0} items in {options.Clusters} taste clusters[/]"));
            }

            File.Move(partial, path, overwrite: true);
        }

        return path;
    }

    private static async Task PrintSampleUsersAsync(ILookupStore lookup, SyntheticLogOptions options, CancellationToken cancellationToken)
    {
        var table = new Table().Border(TableBorder.Rounded).Title("[bold]A few users' top 5[/] (item ids; * = from the user's own taste cluster)")
            .AddColumn("User").AddColumn("Cluster").AddColumn("Top 5").AddColumn(new TableColumn("Own cluster in top 10").RightAligned());
        foreach (int user in SampleUsers.Where(u => u < options.Users))
        {
            UserRecommendations? list = await lookup.GetAsync(SyntheticInteractionLog.UserId(user), cancellationToken: cancellationToken).ConfigureAwait(false);
            if (list is null)
            {
                continue;
            }

            int cluster = SyntheticInteractionLog.ClusterOfUser(user, options);
            bool Own(string item) => SyntheticInteractionLog.ClusterOfItem(long.Parse(item, CultureInfo.InvariantCulture), options) == cluster;
            string top = string.Join(", ", list.ItemIds.Take(5).Select(item => Own(item) ? item + "*" : item));
            int own = list.ItemIds.Take(10).Count(Own);
            table.AddRow(list.UserId, cluster.ToString(CultureInfo.InvariantCulture), top, $"{own}/10");
        }

        ConsoleOutput.Out.Write(table);
    }
}
