using System.Globalization;
using Recommender.Core.Preprocessing;
using Spectre.Console;

namespace Recommender.Cli;

/// <summary>Human-readable summaries printed on stdout.</summary>
internal static class ConsoleReport
{
    public static void Preprocessing(PreprocessingResult result, string manifestPath)
    {
        var table = new Table().Border(TableBorder.Rounded).Title("[bold]Preprocessing[/]").AddColumn("").AddColumn(new TableColumn("").RightAligned());
        table.AddRow("Rows read", N(result.RowsRead));
        foreach ((RowDropReason reason, long count) in result.RowsDropped.Where(pair => pair.Value > 0))
        {
            table.AddRow($"  dropped: {Words(reason.ToString())}", N(count));
        }

        table.AddRow("Duplicates combined", N(result.DuplicatesCombined));
        if (result.KCore.Rows > 0)
        {
            table.AddRow($"k-core removed ({result.KCore.Passes} passes)", $"{N(result.KCore.Rows)} rows, {N(result.KCore.Users)} users, {N(result.KCore.Items)} items");
        }

        table.AddRow("[bold]Users[/]", N(result.Users));
        table.AddRow("[bold]Items[/]", N(result.Items));
        table.AddRow("[bold]Interactions[/]", N(result.Interactions));
        table.AddRow("Density", result.Density.ToString("P3", CultureInfo.InvariantCulture));
        table.AddRow("Train / validation", $"{N(result.TrainInteractions)} / {N(result.ValidationInteractions)}");
        table.AddRow("Dataset version", result.DatasetVersion);
        ConsoleOutput.Out.Write(table);
        foreach (RejectedInteractionLog rejected in result.RejectedLogs)
        {
            ConsoleOutput.Error.MarkupLine($"[yellow]rejected:[/] {Markup.Escape(rejected.Source)}: {Markup.Escape(rejected.Reason)}");
        }

        ConsoleOutput.Out.MarkupLine($"Manifest: {Markup.Escape(manifestPath)}");
    }

    public static void Metrics(Recommender.Core.Pipeline.EvaluateStageOutput evaluation)
    {
        var table = new Table().Border(TableBorder.Rounded).Title("[bold]Held-out evaluation[/]")
            .AddColumn("Metric").AddColumn(new TableColumn("Model").RightAligned()).AddColumn(new TableColumn("Popularity").RightAligned());
        if (evaluation.Live is not null)
        {
            table.AddColumn(new TableColumn("Live model").RightAligned());
        }

        foreach ((string name, double value) in evaluation.Model.Where(metric => metric.Key != "users"))
        {
            var cells = new List<string>
            {
                name,
                value.ToString("F4", CultureInfo.InvariantCulture),
                evaluation.Popularity.TryGetValue(name, out double baseline) ? baseline.ToString("F4", CultureInfo.InvariantCulture) : "",
            };
            if (evaluation.Live is not null)
            {
                cells.Add(evaluation.Live.TryGetValue(name, out double live) ? live.ToString("F4", CultureInfo.InvariantCulture) : "");
            }

            table.AddRow(cells.ToArray());
        }

        ConsoleOutput.Out.Write(table);
    }

    /// <summary>The automatic model choice's candidates (validation part only), when the run chose its kind.</summary>
    public static void Leaderboard(IReadOnlyList<Recommender.Core.Training.LeaderboardEntry>? leaderboard)
    {
        IReadOnlyList<string[]> rows = Recommender.Core.Training.LeaderboardTable.Rows(leaderboard);
        if (rows.Count == 0)
        {
            return;
        }

        var table = new Table().Border(TableBorder.Rounded).Title("[bold]Model choice (validation)[/]");
        foreach (string header in rows[0])
        {
            table.AddColumn(new TableColumn(Markup.Escape(header)));
        }

        foreach (string[] row in rows.Skip(1))
        {
            table.AddRow(row.Select(Markup.Escape).ToArray());
        }

        ConsoleOutput.Out.Write(table);
    }

    public static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    public static string Words(string pascal) =>
        string.Concat(pascal.Select((c, i) => i > 0 && char.IsUpper(c) ? " " + char.ToLowerInvariant(c) : c.ToString()));
}
