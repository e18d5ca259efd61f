using System.CommandLine;
using System.Diagnostics;
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
        var preprocessing = new PreprocessingArguments();
        var training = new TrainingArguments();
        var command = new Command("run", "Preprocess, train, evaluate, score and publish: the whole pipeline on your Parquet logs.") { inputs, store, k, evaluationK };
        preprocessing.AddTo(command);
        training.AddTo(command);

        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(async () =>
        {
            var clock = Stopwatch.StartNew();
            PreprocessingOptions preprocessingOptions = preprocessing.Options(parse);
            TrainingOptions trainingOptions = training.Options(parse, new TrainingOptions());
            TrainingArguments.EnsureFitsFeedback(trainingOptions, preprocessingOptions);
            var layout = new StoreLayout(parse.GetValue(store));
            var source = new LocalFileLogSource(InteractionLogFiles.Expand(parse.GetValue(inputs)!));
            using var pipeline = new LocalPipeline(layout, source, preprocessingOptions, trainingOptions, preprocessing.Mapping(parse), NullLoggerFactory.Instance);
            PipelineOutcome outcome = await PipelineRunner.RunAsync(pipeline, "cli", parse.GetValue(k), parse.GetValue(evaluationK), cancellationToken).ConfigureAwait(false);
            PipelineRunner.PrintOutcome(outcome, clock.Elapsed.TotalSeconds);
            if (outcome.Result != RunResults.Published)
            {
                throw new InvalidOperationException($"Run {outcome.RunId} was not published; the previous version stays live.");
            }
        }));
        return command;
    }
}
