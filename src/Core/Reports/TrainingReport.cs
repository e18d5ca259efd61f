using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Recommender.Core.Evaluation;
using Recommender.Core.Models;
using Recommender.Core.Pipeline;
using Recommender.Core.Storage;
using Recommender.Core.Training;

namespace Recommender.Core.Reports;

/// <summary>
/// What a person reads about a run, next to its checkpoints: training loss and the validation
/// metric per epoch, the evaluation against popularity (and the live model), the options, the
/// dataset, the device and the time taken. Written as <c>models/{runId}/report.html</c> (pictures
/// embedded, one file to open or mail), <c>report.md</c> (pictures referenced beside it) and the
/// two pictures <c>report.curves.png</c> and <c>report.metrics.png</c>.
/// </summary>
internal static class TrainingReport
{
    /// <summary>The per-epoch curves: <c>models/{runId}/report.curves.png</c>.</summary>
    public static string CurvesPath(string runId) => $"{ModelArtifactPaths.Run(runId)}{CurvesFile}";

    /// <summary>The evaluation bars: <c>models/{runId}/report.metrics.png</c>.</summary>
    public static string MetricsPath(string runId) => $"{ModelArtifactPaths.Run(runId)}{MetricsFile}";

    /// <summary>The self-contained page: <c>models/{runId}/report.html</c>.</summary>
    public static string HtmlPath(string runId) => $"{ModelArtifactPaths.Run(runId)}report.html";

    /// <summary>The Markdown report: <c>models/{runId}/report.md</c>.</summary>
    public static string MarkdownPath(string runId) => $"{ModelArtifactPaths.Run(runId)}report.md";

    private static readonly HashSet<string> RatingMetricNames = new(StringComparer.Ordinal) { "rmse", "mae", "pairs" };

    private const string CurvesFile = "report.curves.png";
    private const long MaxLeaderboardBytes = 1 << 20;
    private const string MetricsFile = "report.metrics.png";

    /// <summary>Renders the report of <paramref name="manifest"/>'s run and writes its four files; rewriting them is harmless.</summary>
    public static async Task<TrainingReportFiles> WriteAsync(IArtifactStore store, ModelManifest manifest, ModelEvaluation evaluation, GateDecision? gate, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        IReadOnlyList<LeaderboardEntry>? leaderboard = await ModelArtifactJson.ReadAsync<List<LeaderboardEntry>>(
            store, ModelArtifactPaths.Leaderboard(manifest.RunId), MaxLeaderboardBytes, cancellationToken).ConfigureAwait(false);
        RenderedTrainingReport report = Render(manifest, evaluation, gate, leaderboard);
        var files = new TrainingReportFiles(CurvesPath(manifest.RunId), MetricsPath(manifest.RunId), HtmlPath(manifest.RunId), MarkdownPath(manifest.RunId));
        await WriteAsync(store, files.Curves, report.CurvesPng, cancellationToken).ConfigureAwait(false);
        await WriteAsync(store, files.Metrics, report.MetricsPng, cancellationToken).ConfigureAwait(false);
        await WriteAsync(store, files.Markdown, Encoding.UTF8.GetBytes(report.Markdown), cancellationToken).ConfigureAwait(false);

        // The page last: it is what people open, and it should never point at pictures not yet written.
        await WriteAsync(store, files.Html, Encoding.UTF8.GetBytes(report.Html), cancellationToken).ConfigureAwait(false);
        return files;
    }

    /// <summary>The report's pictures and pages, in memory.</summary>
    public static RenderedTrainingReport Render(ModelManifest manifest, ModelEvaluation evaluation, GateDecision? gate, IReadOnlyList<LeaderboardEntry>? leaderboard = null)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(evaluation);
        byte[] curves = ChartRenderer.RenderPng(CurvePanels(manifest));
        byte[] metrics = ChartRenderer.RenderPng([MetricPanel(evaluation)]);
        var facts = Facts(manifest, gate);
        var metricRows = MetricRows(evaluation);
        IReadOnlyList<string[]> choice = LeaderboardTable.Rows(leaderboard);
        string html = Html(manifest, facts, metricRows, evaluation.Live is not null, curves, metrics, choice);
        string markdown = Markdown(manifest, facts, metricRows, evaluation.Live is not null, choice);
        return new RenderedTrainingReport(curves, metrics, html, markdown);
    }

    /// <summary>Training loss per epoch and, when the run had a validator, its metric per epoch; the best epoch marked.</summary>
    internal static IReadOnlyList<ChartPanel> CurvePanels(ModelManifest manifest)
    {
        double? best = manifest.BestEpoch > 0 ? manifest.BestEpoch : null;
        string bestLabel = $"best epoch {manifest.BestEpoch.ToString(CultureInfo.InvariantCulture)}";
        var epochs = manifest.Epochs.Select(e => (double)e.Epoch).ToArray();
        var panels = new List<ChartPanel>
        {
            new LineChartPanel(
                $"Training loss ({manifest.Kind})",
                "Epoch",
                "Mean loss",
                [new LineSeries("loss", epochs, manifest.Epochs.Select(e => e.Loss).ToArray())],
                best,
                bestLabel),
        };

        EpochRecord[] evaluated = manifest.Epochs.Where(e => e.Metric is not null).ToArray();
        if (evaluated.Length > 0)
        {
            string metric = manifest.MetricName ?? "metric";
            string direction = manifest.HigherIsBetter switch { true => " (higher is better)", false => " (lower is better)", null => string.Empty };
            panels.Add(new LineChartPanel(
                $"Validation {metric}{direction}",
                "Epoch",
                metric,
                [new LineSeries(metric, evaluated.Select(e => (double)e.Epoch).ToArray(), evaluated.Select(e => e.Metric!.Value).ToArray())],
                best,
                bestLabel));
        }

        return panels;
    }

    /// <summary>
    /// The metrics the model shares with popularity (the ranking metrics at K), one group each, a bar
    /// per contender. Rating errors (RMSE, MAE) and their pair counts are on another scale: they stay in
    /// the tables.
    /// </summary>
    internal static BarChartPanel MetricPanel(ModelEvaluation evaluation)
    {
        var groups = evaluation.Model.Keys.Where(name => evaluation.Popularity.ContainsKey(name) && !RatingMetricNames.Contains(name)).ToList();
        if (groups.Count == 0)
        {
            groups = [.. evaluation.Model.Keys];
        }

        var series = new List<BarSeries>
        {
            new("model", Values(evaluation.Model)),
            new("popularity", Values(evaluation.Popularity)),
        };
        if (evaluation.Live is { } live)
        {
            series.Add(new BarSeries("live", Values(live)));
        }

        string k = evaluation.K.ToString(CultureInfo.InvariantCulture);
        return new BarChartPanel($"Held-out ranking metrics at K={k}", "value", groups, series);

        double[] Values(IReadOnlyDictionary<string, double> metrics) =>
            groups.Select(g => metrics.TryGetValue(g, out double v) ? v : double.NaN).ToArray();
    }

    private static List<(string Name, string Value)> Facts(ModelManifest manifest, GateDecision? gate)
    {
        double trainingSeconds = manifest.Epochs.Sum(e => e.WallSeconds);
        var facts = new List<(string, string)>
        {
            ("Run", manifest.RunId),
            ("Model", manifest.Kind.ToString()),
            ("Status", manifest.Status.ToString()),
            ("Dataset version", manifest.DatasetVersion),
            ("Users x items", Invariant($"{manifest.UserCount} x {manifest.ItemCount}")),
            ("Dimension", DimensionText(manifest)),
            ("Device", manifest.FellBackToCpu ? $"{manifest.Device} (device auto found no CUDA device)" : manifest.Device),
            ("Epochs trained", Invariant($"{manifest.Epochs.Count} of {manifest.Options.Epochs}")),
            ("Best epoch", manifest.BestEpoch > 0
                ? Invariant($"{manifest.BestEpoch}") + (manifest.BestMetric is { } m ? $" ({manifest.MetricName} {Number(m)})" : string.Empty)
                : "none"),
            ("Training wall time", Invariant($"{Duration(trainingSeconds)} over {manifest.Epochs.Count} epochs")),
            ("Started", manifest.CreatedAt.ToString("u", CultureInfo.InvariantCulture)),
            ("Last updated", manifest.UpdatedAt.ToString("u", CultureInfo.InvariantCulture)),
            ("TorchSharp", manifest.TorchSharpVersion),
        };
        if (manifest.WarmStart is { } warm)
        {
            facts.Add(("Warm start", Invariant($"run {warm.RunId}, epoch {warm.Epoch} ({warm.SharedUsers} users, {warm.SharedItems} items shared)")));
        }

        if (gate is not null)
        {
            facts.Add(("Quality gate", $"{(gate.Passed ? "passed" : "failed")}: {gate.Reason}"));
            if (gate.Passed)
            {
                facts.Add(("Published model", PublishedModel(gate.Refit)));
            }
        }

        return facts;
    }

    /// <summary>Which model a passed run publishes, and which one the metrics of this report describe.</summary>
    internal static string PublishedModel(RefitPlan? refit) => refit is null
        ? "this run's model, trained on train only (refit off)"
        : Invariant($"run {refit.RunId}: this model's options and seed trained again on train + validation, {refit.Training} (as chosen by validation here). The evaluation and the gate are of this run, trained on train only, measured on validation before that refit.");

    private static List<MetricRow> MetricRows(ModelEvaluation evaluation)
    {
        IEnumerable<string> names = evaluation.Model.Keys
            .Concat(evaluation.Popularity.Keys)
            .Concat(evaluation.Live?.Keys ?? [])
            .Distinct(StringComparer.Ordinal);
        return names.Select(name => new MetricRow(
            name,
            Lookup(evaluation.Model, name),
            Lookup(evaluation.Popularity, name),
            evaluation.Live is null ? null : Lookup(evaluation.Live, name))).ToList();

        static double? Lookup(IReadOnlyDictionary<string, double> metrics, string name) => metrics.TryGetValue(name, out double v) ? v : null;
    }

    /// <summary>The width of the scoring rows, said as what it is for the kinds whose width is not an embedding size.</summary>
    private static string DimensionText(ModelManifest manifest) => manifest.Kind switch
    {
        ModelKind.Ease => Invariant($"{manifest.Dimension} (EASE: one scoring column per item)"),
        ModelKind.Blend => Invariant($"{manifest.Dimension} (the parts' scoring columns side by side)"),
        _ => Invariant($"{manifest.Dimension}"),
    };

    private static List<(string Name, string Value)> OptionRows(TrainingOptions options)
    {
        // Through the same JSON the manifest uses, so a new option shows up here without a change; a blend's parts,
        // whose whole options are in the manifest, read as one line.
        JsonElement json = JsonSerializer.SerializeToElement(options, ModelArtifactJson.Options);
        string blendPartsName = ModelArtifactJson.Options.PropertyNamingPolicy?.ConvertName(nameof(TrainingOptions.BlendParts)) ?? nameof(TrainingOptions.BlendParts);
        return json.EnumerateObject().Select(p => (p.Name, p.Value.ValueKind switch
        {
            JsonValueKind.Null => "(default)",
            _ when p.Name == blendPartsName && options.BlendParts is { } parts => BlendPartsText(parts),
            _ => p.Value.ToString(),
        })).ToList();
    }

    /// <summary>A blend's parts as "0.81·softmax (Softmax, 13 epochs) + 0.09·ease (Ease, 5 epochs)".</summary>
    private static string BlendPartsText(IReadOnlyList<BlendPart> parts) =>
        string.Join(" + ", parts.Select(part => Invariant($"{part.Weight}·{part.Name} ({part.Options.Kind}, {part.Options.Epochs} epochs)")));

    private static string Html(ModelManifest manifest, List<(string Name, string Value)> facts, List<MetricRow> metrics, bool hasLive, byte[] curves, byte[] metricBars, IReadOnlyList<string[]> choice)
    {
        var html = new StringBuilder();
        string title = $"Training report: {manifest.RunId}";
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>").Append(Encode(title)).Append("</title>\n")
            .Append("<style>body{font-family:system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}")
            .Append("th,td{border:1px solid #ccc;padding:.3em .7em;text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}")
            .Append("img{max-width:100%;height:auto;border:1px solid #eee}</style>\n</head>\n<body>\n")
            .Append("<h1>").Append(Encode(title)).Append("</h1>\n");

        html.Append("<h2>Run</h2>\n<table>\n");
        foreach ((string name, string value) in facts)
        {
            html.Append("<tr><th>").Append(Encode(name)).Append("</th><td>").Append(Encode(value)).Append("</td></tr>\n");
        }

        html.Append("</table>\n");
        if (choice.Count > 0)
        {
            html.Append("<h2>Model choice (validation part only)</h2>\n<table>\n");
            foreach (string[] row in choice)
            {
                string cell = ReferenceEquals(row, choice[0]) ? "th" : "td";
                html.Append("<tr>");
                foreach (string value in row)
                {
                    html.Append('<').Append(cell).Append('>').Append(Encode(value)).Append("</").Append(cell).Append('>');
                }

                html.Append("</tr>\n");
            }

            html.Append("</table>\n");
        }

        html.Append("<h2>Training</h2>\n");
        AppendImage(html, curves, CurvesFile, "Training loss and validation metric per epoch");
        html.Append("<h2>Evaluation</h2>\n");
        AppendImage(html, metricBars, MetricsFile, "Held-out metrics of the model against popularity");
        html.Append("<table>\n<tr><th>metric</th><th>model</th><th>popularity</th>").Append(hasLive ? "<th>live</th>" : string.Empty).Append("<th>model / popularity</th></tr>\n");
        foreach (MetricRow row in metrics)
        {
            html.Append("<tr><td>").Append(Encode(row.Name)).Append("</td>");
            AppendCell(html, row.Name, row.Model);
            AppendCell(html, row.Name, row.Popularity);
            if (hasLive)
            {
                AppendCell(html, row.Name, row.Live);
            }

            html.Append("<td class=\"n\">").Append(Encode(Ratio(row))).Append("</td></tr>\n");
        }

        html.Append("</table>\n<h2>Epochs</h2>\n<table>\n<tr><th>epoch</th><th>loss</th><th>")
            .Append(Encode(manifest.MetricName ?? "metric")).Append("</th><th>wall seconds</th></tr>\n");
        foreach (EpochRecord epoch in manifest.Epochs)
        {
            string best = epoch.Epoch == manifest.BestEpoch ? " (best)" : string.Empty;
            html.Append("<tr><td>").Append(Invariant($"{epoch.Epoch}")).Append(best).Append("</td>");
            AppendCell(html, epoch.Loss);
            AppendCell(html, epoch.Metric);
            html.Append("<td class=\"n\">").Append(Invariant($"{epoch.WallSeconds:F1}")).Append("</td></tr>\n");
        }

        html.Append("</table>\n<h2>Options</h2>\n<table>\n");
        foreach ((string name, string value) in OptionRows(manifest.Options))
        {
            html.Append("<tr><th>").Append(Encode(name)).Append("</th><td>").Append(Encode(value)).Append("</td></tr>\n");
        }

        html.Append("</table>\n</body>\n</html>\n");
        return html.ToString();
    }

    private static string Markdown(ModelManifest manifest, List<(string Name, string Value)> facts, List<MetricRow> metrics, bool hasLive, IReadOnlyList<string[]> choice)
    {
        var md = new StringBuilder();
        md.Append("# Training report: ").Append(Cell(manifest.RunId)).Append("\n\n| | |\n|---|---|\n");
        foreach ((string name, string value) in facts)
        {
            md.Append("| ").Append(Cell(name)).Append(" | ").Append(Cell(value)).Append(" |\n");
        }

        if (choice.Count > 0)
        {
            md.Append("\n## Model choice (validation part only)\n\n");
            foreach (string[] row in choice)
            {
                md.Append("| ").Append(string.Join(" | ", row.Select(Cell))).Append(" |\n");
                if (ReferenceEquals(row, choice[0]))
                {
                    md.Append('|').Append(string.Concat(Enumerable.Repeat("---|", row.Length))).Append('\n');
                }
            }
        }

        md.Append("\n## Training\n\n![Training loss and validation metric per epoch](").Append(CurvesFile).Append(")\n")
            .Append("\n## Evaluation\n\n![Held-out metrics of the model against popularity](").Append(MetricsFile).Append(")\n\n")
            .Append("| metric | model | popularity |").Append(hasLive ? " live |" : string.Empty).Append(" model / popularity |\n")
            .Append("|---|---:|---:|").Append(hasLive ? "---:|" : string.Empty).Append("---:|\n");
        foreach (MetricRow row in metrics)
        {
            md.Append("| ").Append(Cell(row.Name)).Append(" | ").Append(Number(row.Name, row.Model)).Append(" | ").Append(Number(row.Name, row.Popularity)).Append(" |");
            if (hasLive)
            {
                md.Append(' ').Append(Number(row.Name, row.Live)).Append(" |");
            }

            md.Append(' ').Append(Ratio(row)).Append(" |\n");
        }

        md.Append("\n## Epochs\n\n| epoch | loss | ").Append(Cell(manifest.MetricName ?? "metric")).Append(" | wall seconds |\n|---:|---:|---:|---:|\n");
        foreach (EpochRecord epoch in manifest.Epochs)
        {
            string best = epoch.Epoch == manifest.BestEpoch ? " (best)" : string.Empty;
            md.Append(Invariant($"| {epoch.Epoch}{best} | {Number(epoch.Loss)} | {Number(epoch.Metric)} | {epoch.WallSeconds:F1} |\n"));
        }

        md.Append("\n## Options\n\n| option | value |\n|---|---|\n");
        foreach ((string name, string value) in OptionRows(manifest.Options))
        {
            md.Append("| ").Append(Cell(name)).Append(" | ").Append(Cell(value)).Append(" |\n");
        }

        return md.ToString();
    }

    private static async Task WriteAsync(IArtifactStore store, string path, byte[] content, CancellationToken cancellationToken)
    {
        using var stream = new MemoryStream(content, writable: false);
        await store.WriteAsync(path, stream, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    private static void AppendImage(StringBuilder html, byte[] png, string fileName, string description) =>
        html.Append("<p><img src=\"data:image/png;base64,").Append(Convert.ToBase64String(png))
            .Append("\" alt=\"").Append(Encode(description)).Append("\" title=\"").Append(fileName).Append("\"></p>\n");

    private static void AppendCell(StringBuilder html, double? value) =>
        html.Append("<td class=\"n\">").Append(Encode(Number(value))).Append("</td>");

    private static void AppendCell(StringBuilder html, string metric, double? value) =>
        html.Append("<td class=\"n\">").Append(Encode(Number(metric, value))).Append("</td>");

    private static string Ratio(MetricRow row) =>
        !MetricNames.IsCount(row.Name) && row.Model is { } model && row.Popularity is { } popularity && popularity != 0 ? Invariant($"{model / popularity:F2}") : string.Empty;

    /// <summary>A value of metric <paramref name="metric"/>: as <see cref="MetricNames.Format"/> shows it, or as <see cref="Number(double?)"/> when absent or not finite.</summary>
    private static string Number(string metric, double? value) =>
        value is { } v && double.IsFinite(v) ? MetricNames.Format(metric, v) : Number(value);

    /// <summary>A metric as the tables show it: invariant culture, four decimals, or a dash when absent.</summary>
    internal static string Number(double? value) => value switch
    {
        null => "-",
        { } v when double.IsFinite(v) => v.ToString("F4", CultureInfo.InvariantCulture),
        { } v => v.ToString(CultureInfo.InvariantCulture),
    };

    private static string Duration(double seconds) =>
        seconds < 60 ? Invariant($"{seconds:F1} s") : TimeSpan.FromSeconds(Math.Round(seconds)).ToString("c", CultureInfo.InvariantCulture);

    private static string Encode(string text) => WebUtility.HtmlEncode(text);

    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).ReplaceLineEndings(" ");

    private static string Invariant(FormattableString text) => FormattableString.Invariant(text);

    private sealed record MetricRow(string Name, double? Model, double? Popularity, double? Live);
}

/// <summary>The quality gate's verdict on a run, as the report states it.</summary>
/// <param name="Passed">Whether the run may be published.</param>
/// <param name="Reason">The gate's explanation.</param>
/// <param name="Refit">The refit published in the run's place, when refitting is on.</param>
internal sealed record GateDecision(bool Passed, string Reason, RefitPlan? Refit = null);

/// <summary>Where a run's report files were written.</summary>
/// <param name="Curves">The per-epoch curves (PNG).</param>
/// <param name="Metrics">The evaluation bars (PNG).</param>
/// <param name="Html">The self-contained page.</param>
/// <param name="Markdown">The Markdown report.</param>
internal sealed record TrainingReportFiles(string Curves, string Metrics, string Html, string Markdown);

/// <summary>A run's report in memory: two PNGs and two pages.</summary>
/// <param name="CurvesPng">Training loss and validation metric per epoch.</param>
/// <param name="MetricsPng">Held-out metrics against popularity (and live).</param>
/// <param name="Html">The page, pictures embedded.</param>
/// <param name="Markdown">The Markdown report, pictures referenced by file name.</param>
internal sealed record RenderedTrainingReport(byte[] CurvesPng, byte[] MetricsPng, string Html, string Markdown);
