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
        var predictions = new Option<string>("--predictions") { Description = "Recommendations: Parquet with user, item and rank or score columns (a prediction or rating column holds predicted ratings).", Required = true };
        // Any K: the evaluation caps it at the items of both files and says so.
        var k = CheckedOption.Number("--k", "Cut-off K of the metrics (capped at the items of both files). Default 10.", 1, int.MaxValue);
        var json = CommonOptions.Json();
        var command = new Command("evaluate", "Compute precision, recall, NDCG and MAP at K for a recommendation file against a truth file.") { truth, predictions, k, json };
        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(async () =>
        {
            string truthPath = parse.GetValue(truth)!;
            string predictionsPath = parse.GetValue(predictions)!;
            FileArguments.RequireParquet(truthPath, "--truth");
            FileArguments.RequireParquet(predictionsPath, "--predictions");
            RecommendationFileEvaluation result = await RecommendationFileEvaluator.EvaluateAsync(
                truthPath, predictionsPath, parse.GetValue(k) ?? 10, cancellationToken).ConfigureAwait(false);
            string? capped = parse.GetValue(k) is not null && result.Ranking.K < result.RequestedK
                ? string.Create(CultureInfo.InvariantCulture, $"--k {result.RequestedK:N0} is more than the {result.Ranking.K:N0} items of both files: measured at K = {result.Ranking.K:N0}")
                : null;
            if (parse.GetValue(json))
            {
                ConsoleOutput.Json(new
                {
                    k = result.Ranking.K,
                    requestedK = result.RequestedK,
                    users = result.Ranking.UserCount,
                    ranking = ConsoleReport.Finite(result.Ranking.ToDictionary()),
                    rating = result.Rating is { } r ? new { pairs = r.Count, rmse = ConsoleReport.Finite(r.Rmse), mae = ConsoleReport.Finite(r.Mae) } : null,
                    ratingNotShown = result.RatingNotShown,
                    truth = new { file = truthPath, rows = result.TruthRows, users = result.TruthUsers },
                    predictions = new { file = predictionsPath, rows = result.PredictionRows, users = result.PredictionUsers, orderedBy = result.PredictionOrder },
                });
                return;
            }

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
            if (capped is not null)
            {
                ConsoleOutput.Out.MarkupLine(Markup.Escape(capped));
            }

            if (result.Rating is null && result.RatingNotShown is { } why)
            {
                ConsoleOutput.Out.MarkupLine($"No RMSE/MAE: {Markup.Escape(why)}.");
            }

            ConsoleOutput.Out.MarkupLine(
                $"Truth: {ConsoleReport.N(result.TruthRows)} rows, {ConsoleReport.N(result.TruthUsers)} users; predictions: {ConsoleReport.N(result.PredictionRows)} rows, {ConsoleReport.N(result.PredictionUsers)} users, each user's predictions ranked by {Markup.Escape(result.PredictionOrder)}");
        }));
        return command;
    }
}
