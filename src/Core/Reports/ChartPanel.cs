namespace Recommender.Core.Reports;

/// <summary>One chart of a picture; a picture lays its panels side by side.</summary>
/// <param name="Title">Heading drawn above the chart.</param>
/// <param name="ValueLabel">Label of the vertical axis.</param>
internal abstract record ChartPanel(string Title, string ValueLabel);

/// <summary>Values over a numeric axis, one line per series, with an optional marked position.</summary>
/// <param name="Title">Heading drawn above the chart.</param>
/// <param name="PositionLabel">Label of the horizontal axis.</param>
/// <param name="ValueLabel">Label of the vertical axis.</param>
/// <param name="Series">The lines.</param>
/// <param name="Mark">A position to mark with a dashed vertical line, or null.</param>
/// <param name="MarkLabel">Legend text of the mark.</param>
internal sealed record LineChartPanel(string Title, string PositionLabel, string ValueLabel, IReadOnlyList<LineSeries> Series, double? Mark = null, string? MarkLabel = null)
    : ChartPanel(Title, ValueLabel);

/// <summary>One line: its points in drawing order.</summary>
/// <param name="Name">Legend text.</param>
/// <param name="Positions">Horizontal coordinates.</param>
/// <param name="Values">Vertical coordinates, as many as <paramref name="Positions"/>.</param>
internal sealed record LineSeries(string Name, IReadOnlyList<double> Positions, IReadOnlyList<double> Values);

/// <summary>Grouped bars: for each group (a metric, a measurement), one bar per series (a contender).</summary>
/// <param name="Title">Heading drawn above the chart.</param>
/// <param name="ValueLabel">Label of the vertical axis.</param>
/// <param name="Groups">Names under each group of bars.</param>
/// <param name="Series">The bars: each holds one value per group, NaN where it has none.</param>
internal sealed record BarChartPanel(string Title, string ValueLabel, IReadOnlyList<string> Groups, IReadOnlyList<BarSeries> Series)
    : ChartPanel(Title, ValueLabel);

/// <summary>One contender's bars across the groups.</summary>
/// <param name="Name">Legend text.</param>
/// <param name="Values">One value per group; NaN draws no bar.</param>
internal sealed record BarSeries(string Name, IReadOnlyList<double> Values);
