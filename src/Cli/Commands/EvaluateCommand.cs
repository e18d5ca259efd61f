using System.CommandLine;
using System.Globalization;
using Recommender.Core.Evaluation;
using Spectre.Console;

namespace Recommender.Cli.Commands;

/// <summary>
/// <c>recommender evaluate --truth T.parquet --predictions P.parquet --k 10</c>: Microsoft Recommenders'
/// ranking metrics for any system's recommendation file, so other systems can be set beside ours.
/// </summary>
internal static class EvaluateCommand
{
    public static Command Create()
    {
        var truth = new Option<string>("--truth") { Description = "Held-out interactions: Parquet with user and item columns (and optionally rating).", Required = true };
        var predictions = new Option<string>("--predictions") { Description = "Recommendations: Parquet with user, item and rank or score columns.", Required = true };
        var k = CommonOptions.K(10);
        var command = new Command("evaluate", "Compute precision, recall, NDCG and MAP at K for a recommendation file against a truth file.") { truth, predictions, k };
        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(async () =>
        {
            RecommendationFileEvaluation result = await RecommendationFileEvaluator.EvaluateAsync(
                parse.GetValue(truth)!, parse.GetValue(predictions)!, parse.GetValue(k), cancellationToken).ConfigureAwait(false);
            var table = new Table().Border(TableBorder.Rounded).Title("[bold]Evaluation[/]").AddColumn("Metric").AddColumn(new TableColumn("Value").RightAligned());
            foreach ((string name, double value) in result.Ranking.ToDictionary())
            {
                table.AddRow(name, value.ToString(name == "users" ? "N0" : "F4", CultureInfo.InvariantCulture));
            }

            if (result.Rating is { } rating)
            {
                table.AddRow("rmse", rating.Rmse.ToString("F4", CultureInfo.InvariantCulture));
                table.AddRow("mae", rating.Mae.ToString("F4", CultureInfo.InvariantCulture));
            }

            ConsoleOutput.Out.Write(table);
            ConsoleOutput.Out.MarkupLine($"Truth: {ConsoleReport.N(result.TruthRows)} rows, {ConsoleReport.N(result.TruthUsers)} users; predictions: {ConsoleReport.N(result.PredictionRows)} rows, {ConsoleReport.N(result.PredictionUsers)} users");
        }));
        return command;
    }
}
