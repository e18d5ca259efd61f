using System.Globalization;
using Recommender.Core.Pipeline;
using Recommender.Core.Training;
using Spectre.Console;

namespace Recommender.Cli.Commands;

/// <summary>Runs the whole pipeline on the embedded store with progress on stderr, as <c>run</c> and <c>demo</c> do.</summary>
internal static class PipelineRunner
{
    public static async Task<PipelineOutcome> RunAsync(LocalPipeline pipeline, string trigger, int topK, int evaluationK, CancellationToken cancellationToken)
    {
        var options = new PipelineOptions { TopK = topK, EvaluationK = evaluationK, ShardSize = 50_000 };
        string runId = PipelinePaths.NewRunId(DateTimeOffset.UtcNow, Guid.NewGuid().ToString("N")[..6]);
        var request = new PipelineRunRequest(runId, trigger, PipelineRunSettings.From(options, epochsPerActivity: 0));
        var stages = new SynchronousProgress<PipelineProgress>(p =>
            ConsoleOutput.Error.MarkupLine($"[grey]▸ {p.Stage}[/]{(p.Detail is null ? string.Empty : $" [grey]({Markup.Escape(p.Detail)})[/]")}"));
        var epochs = EpochLines.Create("  ");
        return await pipeline.Sequential.RunAsync(request, stages, epochs, cancellationToken).ConfigureAwait(false);
    }

    public static void PrintOutcome(PipelineOutcome outcome, double seconds)
    {
        EvaluateStageOutput? evaluation = outcome.Evaluation;
        ConsoleReport.Leaderboard(outcome.Leaderboard);
        if (evaluation is not null)
        {
            ConsoleReport.Metrics(evaluation);
        }

        string refit = evaluation?.Refit is { } plan
            ? string.Create(CultureInfo.InvariantCulture, $" (trained again on train + validation for {plan.Epochs} epochs; the metrics above are of the model trained on train only, measured on validation before that refit)")
            : " (the model trained on train only; refit off)";
        string verdict = outcome.Result switch
        {
            RunResults.Published => $"[green]published[/] version {Markup.Escape(outcome.RunId)}{Markup.Escape(refit)}",
            RunResults.Rejected => $"[yellow]not published[/]: {Markup.Escape(evaluation?.Reason ?? "quality gate")}",
            _ => Markup.Escape(outcome.Result),
        };
        ConsoleOutput.Out.MarkupLine(string.Create(CultureInfo.InvariantCulture, $"Run {Markup.Escape(outcome.RunId)}: {verdict} in {seconds:F1} s"));
    }
}
