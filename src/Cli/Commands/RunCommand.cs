using System.CommandLine;
using Microsoft.Extensions.Logging.Abstractions;
using Recommender.Core.Ingestion;
using Recommender.Core.Pipeline;
using Recommender.Core.Preprocessing;
using Recommender.Core.Training;

namespace Recommender.Cli.Commands;

/// <summary><c>recommender run</c>: the whole pipeline on a user's logs, into the embedded store.</summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var inputs = CommonOptions.Inputs(required: true);
        var store = CommonOptions.Store();
        var k = CommonOptions.K(100);
        var evaluationK = CommonOptions.EvaluationK("Cut-off of the evaluation metrics.");
        var wait = CommonOptions.Wait();
        var fresh = CommonOptions.Fresh();
        var json = CommonOptions.Json();
        var minVersusPopularity = CheckedOption.Number<double, PipelineOptions>(
            "--min-vs-popularity",
            "Quality gate: the new model's NDCG must beat this multiple of popularity's (rating models: its RMSE must be below the item-mean baseline's divided by it); a tie does not, 0 turns the check off. Default 1.",
            nameof(PipelineOptions.MinNdcgVersusPopularity),
            1.0);
        var maxRegression = CheckedOption.Number<double, PipelineOptions>(
            "--max-regression",
            "Quality gate: the new model may rank at most this fraction worse than the live model on the same validation part (1 turns the check off). Default 0.05.",
            nameof(PipelineOptions.MaxRegressionVersusLive),
            0.05);
        var preprocessing = new PreprocessingArguments();
        var training = new TrainingArguments();
        var command = new Command("run", "Preprocess, train, evaluate, score and publish: the whole pipeline on your Parquet logs.")
        {
            inputs, store, k, evaluationK, minVersusPopularity, maxRegression, wait, fresh, json,
        };
        preprocessing.AddTo(command);
        training.AddTo(command);

        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(async () =>
        {
            // Everything the command line decides is checked before the store is touched.
            PreprocessingOptions preprocessingOptions = preprocessing.Options(parse);
            TrainingOptions trainingOptions = training.Options(parse, new TrainingOptions());
            TrainingArguments.EnsureFitsFeedback(trainingOptions, preprocessingOptions);
            var layout = new StoreLayout(parse.GetValue(store));
            IReadOnlyList<string> files = InteractionLogFiles.Expand(parse.GetValue(inputs)!);
            ColumnMapping mapping = preprocessing.Mapping(parse);
            await ColumnOptionCheck.EnsureNamedColumnsExistAsync(files, mapping, cancellationToken).ConfigureAwait(false);

            var control = new RunControl("run", parse.GetValue(wait), parse.GetValue(fresh), parse.GetValue(json), InterruptedRuns.SettingsOf(parse));
            using var pipeline = new LocalPipeline(layout, new LocalFileLogSource(files), preprocessingOptions, trainingOptions, mapping, NullLoggerFactory.Instance);
            var gate = new QualityGateThresholds(parse.GetValue(minVersusPopularity), parse.GetValue(maxRegression));
            PipelineRun run = await PipelineRunner.RunAsync(pipeline, layout, control, "cli", parse.GetValue(k), parse.GetValue(evaluationK), cancellationToken, gate).ConfigureAwait(false);
            if (control.Json)
            {
                ConsoleOutput.Json(PipelineRunner.ToJson(run));
            }
            else
            {
                PipelineRunner.Print(run);
            }

            if (run.Outcome.Result != RunResults.Published)
            {
                string live = await LookupVersions.ActiveOrNullAsync(layout, cancellationToken).ConfigureAwait(false) is { } active
                    ? $"version {active} stays live"
                    : "nothing is published in this store yet";
                throw new InvalidOperationException(
                    $"Run {run.Outcome.RunId} was not published; {live}. The quality gate's thresholds are --min-vs-popularity and --max-regression.");
            }
        }));
        return command;
    }
}
