using System.Globalization;
using System.Text.Json;
using Recommender.Core.Datasets;
using Recommender.Core.Evaluation;
using Recommender.Core.Pipeline;
using Recommender.Core.Preprocessing;
using Spectre.Console;

namespace Recommender.Cli;

/// <summary>
/// What preprocessing did, as <c>preprocess</c> and <c>run</c> both print it: rows read and dropped by reason,
/// users, items, the split, the logs rejected and the columns used for each role.
/// </summary>
/// <param name="DatasetVersion">The curated dataset.</param>
/// <param name="RowsRead">Rows read from the logs that were used.</param>
/// <param name="RowsDropped">Rows dropped by each rule that dropped any, in the rule's words.</param>
/// <param name="DuplicatesCombined">Rows folded into another row of the same user and item.</param>
/// <param name="KCoreRowsRemoved">Rows the k-core filter removed.</param>
/// <param name="Users">Users in the dataset.</param>
/// <param name="Items">Items in the dataset.</param>
/// <param name="Interactions">Interactions in the dataset.</param>
/// <param name="Density">Interactions / (users × items).</param>
/// <param name="TrainInteractions">Interactions to train on.</param>
/// <param name="ValidationInteractions">Interactions held out.</param>
/// <param name="Columns">Column used for each role (user, item, value, eventType, timestamp), with its type.</param>
/// <param name="Rejected">Logs rejected whole, with the reason.</param>
/// <param name="Skipped">Columns named like a role but skipped (nested), with the log they are in.</param>
/// <param name="EventWeightsUnmatched">Configured event weights whose type no row had.</param>
/// <param name="EventTypesUnweighted">Event types of the rows without a configured weight (when weights are configured).</param>
internal sealed record PreprocessingView(
    string DatasetVersion,
    long RowsRead,
    IReadOnlyDictionary<string, long> RowsDropped,
    long DuplicatesCombined,
    long KCoreRowsRemoved,
    int Users,
    int Items,
    int Interactions,
    double Density,
    int TrainInteractions,
    int ValidationInteractions,
    IReadOnlyDictionary<string, string> Columns,
    IReadOnlyList<string> Rejected,
    IReadOnlyList<string> Skipped,
    IReadOnlyList<string> EventWeightsUnmatched,
    IReadOnlyList<string> EventTypesUnweighted)
{
    /// <summary>The roles of a log's columns, in the order they are printed, with the option that names each.</summary>
    public static readonly (string Role, string Label, string Option)[] Roles =
    [
        ("user", "user", "--user-column"),
        ("item", "item", "--item-column"),
        ("value", "value", "--value-column"),
        ("eventType", "event type", "--event-column"),
        ("timestamp", "time", "--time-column"),
    ];

    public static PreprocessingView From(PreprocessingResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return new PreprocessingView(
            result.DatasetVersion,
            result.RowsRead,
            result.RowsDropped.Where(pair => pair.Value > 0).ToDictionary(pair => JsonNamingPolicy.CamelCase.ConvertName(pair.Key.ToString()), pair => pair.Value, StringComparer.Ordinal),
            result.DuplicatesCombined,
            result.KCore.Rows,
            result.Users,
            result.Items,
            result.Interactions,
            result.Density,
            result.TrainInteractions,
            result.ValidationInteractions,
            ColumnsOf(result.Sources),
            [.. result.RejectedLogs.Select(rejected => CliWording.ForOptions(rejected.Describe()))],
            SkippedOf(result.Sources),
            result.EventWeightsUnmatched,
            result.EventTypesUnweighted);
    }

    public static PreprocessingView From(PreprocessingSummary summary, DatasetManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(summary);
        ArgumentNullException.ThrowIfNull(manifest);
        return new PreprocessingView(
            manifest.Version,
            summary.RowsRead,
            summary.RowsDropped,
            summary.DuplicatesCombined,
            summary.KCoreRowsRemoved,
            summary.Users,
            summary.Items,
            summary.Interactions,
            manifest.Statistics.Density,
            manifest.Split.TrainInteractions,
            manifest.Split.ValidationInteractions,
            ColumnsOf(manifest.Sources),
            [.. summary.Files.Where(file => file.Status == InputLogSummary.RejectedStatus).Select(file => CliWording.ForOptions(file.Reason ?? file.Source))],
            SkippedOf(manifest.Sources),
            summary.EventWeightsUnmatched,
            summary.EventTypesUnweighted);
    }

    /// <summary>What a dropped-row rule means here, naming the value column for the rules about values.</summary>
    public string DropLabel(string rule)
    {
        string value = Columns.GetValueOrDefault("value", "(none)").Split(' ')[0];
        return rule switch
        {
            "nonFiniteValue" => $"missing or NaN value in '{value}'",
            "infiniteValue" => $"infinite value in '{value}'",
            "belowRatingThreshold" => $"'{value}' below --rating-threshold",
            "nonPositiveWeight" => $"zero or negative weight in '{value}'",
            _ => ConsoleReport.Words(rule),
        };
    }

    private static string[] SkippedOf(IEnumerable<ManifestSource> sources) =>
        [.. sources.Where(source => source.Schema?.ContainsKey("skipped") == true).Select(source => $"{source.Source}: {source.Schema!["skipped"]}")];

    /// <summary>Each role's column over all logs (distinct mappings joined by " | "); "(none)" when no log has one.</summary>
    private static Dictionary<string, string> ColumnsOf(IEnumerable<ManifestSource> sources)
    {
        ManifestSource[] all = [.. sources];
        var columns = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach ((string role, _, _) in Roles)
        {
            string[] used = [.. all.Select(source => source.Schema?.GetValueOrDefault(role)).OfType<string>().Distinct(StringComparer.Ordinal)];
            columns[role] = used.Length == 0 ? "(none)" : string.Join(" | ", used);
        }

        return columns;
    }
}

/// <summary>Human-readable summaries printed on stdout.</summary>
internal static class ConsoleReport
{
    public static void Preprocessing(PreprocessingView view, string? manifestPath)
    {
        ArgumentNullException.ThrowIfNull(view);
        var table = new Table().Border(TableBorder.Rounded).Title("[bold]Preprocessing[/]").HideHeaders().AddColumn("").AddColumn(new TableColumn("").RightAligned());
        table.AddRow("Rows read", N(view.RowsRead));
        foreach ((string rule, long count) in view.RowsDropped)
        {
            table.AddRow($"  dropped: {Markup.Escape(view.DropLabel(rule))}", N(count));
        }

        table.AddRow("Duplicates combined", N(view.DuplicatesCombined));
        if (view.KCoreRowsRemoved > 0)
        {
            table.AddRow("k-core removed", $"{N(view.KCoreRowsRemoved)} rows");
        }

        table.AddRow("[bold]Users[/]", N(view.Users));
        table.AddRow("[bold]Items[/]", N(view.Items));
        table.AddRow("[bold]Interactions[/]", N(view.Interactions));
        table.AddRow("Density", view.Density.ToString("P3", CultureInfo.InvariantCulture));
        table.AddRow("Train / validation", $"{N(view.TrainInteractions)} / {N(view.ValidationInteractions)}");
        table.AddRow("Dataset version", view.DatasetVersion);
        ConsoleOutput.Out.Write(table);
        ConsoleOutput.Out.MarkupLine($"Columns: {Markup.Escape(ColumnsLine(view.Columns))}");
        foreach (string skipped in view.Skipped)
        {
            ConsoleOutput.Error.MarkupLine($"[yellow]skipped column:[/] {Markup.Escape(skipped)}");
        }

        foreach (string rejected in view.Rejected)
        {
            ConsoleOutput.Error.MarkupLine($"[yellow]rejected:[/] {Markup.Escape(rejected)}");
        }

        if (view.EventWeightsUnmatched.Count > 0)
        {
            string unweighted = view.EventTypesUnweighted.Count == 0
                ? string.Empty
                : $"; the logs' event types without a weight: {string.Join(", ", view.EventTypesUnweighted)} (weighted 1, as every event type without a weight is)";
            ConsoleOutput.Error.MarkupLine(
                $"[yellow]note:[/] --event-weight {Markup.Escape(string.Join(", ", view.EventWeightsUnmatched))} matched no row{Markup.Escape(unweighted)}.");
        }

        if (manifestPath is not null)
        {
            ConsoleOutput.Out.MarkupLine($"Manifest: {Markup.Escape(manifestPath)}");
        }
    }

    /// <summary>"user = user_id INT32 (detected), item = …": the column of every role, and how to name another.</summary>
    public static string ColumnsLine(IReadOnlyDictionary<string, string> columns) =>
        string.Join("; ", PreprocessingView.Roles.Select(role => $"{role.Label} = {columns.GetValueOrDefault(role.Role, "(none)")}"))
        + " (set with --user-column, --item-column, --value-column, --event-column, --time-column)";

    public static void Metrics(EvaluateStageOutput evaluation)
    {
        ArgumentNullException.ThrowIfNull(evaluation);
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
                MetricNames.Format(name, value),
                evaluation.Popularity.TryGetValue(name, out double baseline) ? MetricNames.Format(name, baseline) : "",
            };
            if (evaluation.Live is not null)
            {
                cells.Add(evaluation.Live.TryGetValue(name, out double live) ? MetricNames.Format(name, live) : "");
            }

            table.AddRow(cells.ToArray());
        }

        ConsoleOutput.Out.Write(table);
        if (evaluation.LiveNotCompared is { } why)
        {
            ConsoleOutput.Out.MarkupLine($"No comparison with the live model: {Markup.Escape(why)}.");
        }
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

    public static string Words(string name) =>
        string.Concat(name.Select((c, i) => i == 0 ? char.ToUpperInvariant(c).ToString() : char.IsUpper(c) ? " " + char.ToLowerInvariant(c) : c.ToString()));

    /// <summary>A metric for JSON: null instead of NaN or infinity.</summary>
    public static double? Finite(double value) => double.IsFinite(value) ? value : null;

    /// <summary>Metrics for JSON: NaN and infinities as null.</summary>
    public static Dictionary<string, double?>? Finite(IReadOnlyDictionary<string, double>? metrics) =>
        metrics?.ToDictionary(pair => pair.Key, pair => Finite(pair.Value), StringComparer.Ordinal);
}
