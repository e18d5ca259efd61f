using Recommender.Core.Reports;

namespace Recommender.Benchmarks;

/// <summary>
/// A scenario's measurements as a picture, drawn with the same chart code as the training reports:
/// wall time and peak memory per contender, then whichever figures the scenario reports (ranking
/// metrics, throughput, times relative to a reference).
/// </summary>
internal static class BenchmarkChart
{
    private const string PerSecond = "PerSecond";
    private const string Seconds = "Seconds";

    /// <summary>PNG bytes of the panels for <paramref name="measurements"/>.</summary>
    public static byte[] RenderPng(string scenario, IReadOnlyList<Measurement> measurements) =>
        ChartRenderer.RenderPng(Panels(scenario, measurements));

    /// <summary>The panels: one chart per kind of figure, so each has a scale of its own.</summary>
    public static IReadOnlyList<ChartPanel> Panels(string scenario, IReadOnlyList<Measurement> measurements)
    {
        ArgumentNullException.ThrowIfNull(measurements);
        if (measurements.Count == 0)
        {
            throw new ArgumentException($"Scenario '{scenario}' has no measurements to draw.", nameof(measurements));
        }

        var panels = new List<ChartPanel>
        {
            PerContender($"{scenario}: wall time", "seconds", "wall seconds", measurements, m => m.Seconds),
        };
        if (measurements.Any(m => m.PeakBytes > 0))
        {
            panels.Add(PerContender($"{scenario}: peak memory", "MiB", "peak working set", measurements, m => m.PeakBytes / 1048576.0));
        }

        string[] ranking = FigureNames(measurements, IsRankingMetric);
        if (ranking.Length > 0)
        {
            panels.Add(FiguresByContender($"{scenario}: ranking metrics", "value", ranking, measurements));
        }

        string[] throughput = FigureNames(measurements, name => name.EndsWith(PerSecond, StringComparison.Ordinal));
        if (throughput.Length > 0)
        {
            panels.Add(FiguresByContender($"{scenario}: throughput", "per second", throughput, measurements));
        }

        string[] timings = FigureNames(measurements, name => name.EndsWith(Seconds, StringComparison.Ordinal));
        if (timings.Length >= 2)
        {
            panels.Add(RelativeTimings(scenario, timings, measurements));
        }

        return panels;
    }

    private static bool IsRankingMetric(string name) =>
        name.Contains('@', StringComparison.Ordinal) || name is "map" or "ndcg" or "rmse" or "mae";

    private static string[] FigureNames(IReadOnlyList<Measurement> measurements, Func<string, bool> keep) =>
        measurements.SelectMany(m => m.Figures.Keys).Where(keep).Distinct(StringComparer.Ordinal).ToArray();

    // One group, a coloured bar per contender: the legend names them.
    private static BarChartPanel PerContender(string title, string unit, string group, IReadOnlyList<Measurement> measurements, Func<Measurement, double> value) =>
        new(title, unit, [group], measurements.Select(m => new BarSeries(m.Contender, [value(m)])).ToList());

    private static BarChartPanel FiguresByContender(string title, string unit, string[] figures, IReadOnlyList<Measurement> measurements) =>
        new(title, unit, figures, measurements
            .Select(m => new BarSeries(m.Contender, figures.Select(f => m.Figures.TryGetValue(f, out double v) ? v : double.NaN).ToList()))
            .ToList());

    // Times that differ by orders of magnitude between contenders (problem sizes) compare well only as ratios to a reference.
    private static BarChartPanel RelativeTimings(string scenario, string[] timings, IReadOnlyList<Measurement> measurements)
    {
        string reference = timings[0];
        var series = timings.Select(t => new BarSeries(
            t[..^Seconds.Length],
            measurements.Select(m => m.Figures.TryGetValue(t, out double v) && m.Figures.TryGetValue(reference, out double r) && r > 0 ? v / r : double.NaN).ToList()))
            .ToList();
        return new BarChartPanel($"{scenario}: time relative to {reference[..^Seconds.Length]}", "x reference", measurements.Select(m => m.Contender).ToList(), series);
    }
}
