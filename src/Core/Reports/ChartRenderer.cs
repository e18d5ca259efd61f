using System.Globalization;
using ScottPlot;
using SkiaSharp;

namespace Recommender.Core.Reports;

/// <summary>Draws chart panels side by side into one PNG (ScottPlot over SkiaSharp, with the embedded font).</summary>
internal static class ChartRenderer
{
    /// <summary>Default width of one panel, in pixels.</summary>
    public const int DefaultPanelWidth = 640;

    /// <summary>Default height of a picture, in pixels.</summary>
    public const int DefaultHeight = 420;

    private const int MaxPixels = 8192;

    /// <summary>PNG bytes of <paramref name="panels"/> drawn left to right, each <paramref name="panelWidth"/> pixels wide.</summary>
    public static byte[] RenderPng(IReadOnlyList<ChartPanel> panels, int panelWidth = DefaultPanelWidth, int height = DefaultHeight)
    {
        ArgumentNullException.ThrowIfNull(panels);
        if (panels.Count == 0)
        {
            throw new ArgumentException("A picture needs at least one panel.", nameof(panels));
        }

        int width = panelWidth * panels.Count;
        if (panelWidth < 100 || height < 100 || width > MaxPixels || height > MaxPixels)
        {
            throw new ArgumentOutOfRangeException(nameof(panelWidth), $"A picture of {panels.Count} panels of {panelWidth}x{height} pixels is outside 100..{MaxPixels} pixels a side.");
        }

        ChartFont.EnsureRegistered();
        using var surface = SKSurface.Create(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul))
            ?? throw new InvalidOperationException($"SkiaSharp could not create a {width}x{height} drawing surface.");
        surface.Canvas.Clear(SKColors.White);
        for (int i = 0; i < panels.Count; i++)
        {
            // Each panel on a surface of its own: a plot clears the whole canvas it is given, not just its rectangle.
            using var panelSurface = SKSurface.Create(new SKImageInfo(panelWidth, height, SKColorType.Rgba8888, SKAlphaType.Premul))
                ?? throw new InvalidOperationException($"SkiaSharp could not create a {panelWidth}x{height} drawing surface.");
            Build(panels[i]).Render(panelSurface.Canvas, new PixelRect(0, panelWidth, height, 0));
            using SKImage panelImage = panelSurface.Snapshot();
            surface.Canvas.DrawImage(panelImage, i * panelWidth, 0);
        }

        using SKImage image = surface.Snapshot();
        using SKData png = image.Encode(SKEncodedImageFormat.Png, 100);
        return png.ToArray();
    }

    private static Plot Build(ChartPanel panel)
    {
        var plot = new Plot();
        plot.Font.Set(ChartFont.Family);
        plot.Title(panel.Title, size: 16);
        plot.YLabel(panel.ValueLabel, size: 13);
        switch (panel)
        {
            case LineChartPanel lines:
                AddLines(plot, lines);
                break;
            case BarChartPanel bars:
                AddBars(plot, bars);
                break;
            default:
                throw new ArgumentException($"Panel type {panel.GetType().Name} is not drawable.", nameof(panel));
        }

        // Setting the font last reaches the labels the plottables brought (legend items, bar values).
        plot.Font.Set(ChartFont.Family);
        return plot;
    }

    private static void AddLines(Plot plot, LineChartPanel panel)
    {
        plot.XLabel(panel.PositionLabel, size: 13);
        bool integral = true;
        for (int s = 0; s < panel.Series.Count; s++)
        {
            LineSeries series = panel.Series[s];
            if (series.Positions.Count != series.Values.Count)
            {
                throw new ArgumentException($"Series '{series.Name}' has {series.Positions.Count} positions but {series.Values.Count} values.", nameof(panel));
            }

            integral &= series.Positions.All(p => p == Math.Floor(p));
            var line = plot.Add.Scatter(series.Positions.ToArray(), series.Values.ToArray(), Palette(s));
            line.LegendText = series.Name;
            line.LineWidth = 2;
            line.MarkerSize = series.Positions.Count > 60 ? 0 : 6;
        }

        if (panel.Mark is { } mark)
        {
            var rule = plot.Add.VerticalLine(mark, width: 1.5f, color: Colors.DimGray, pattern: LinePattern.Dashed);
            rule.LegendText = panel.MarkLabel ?? string.Empty;
        }

        if (integral)
        {
            plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        }

        // The legend goes to the corner the lines leave free: below them when they end high.
        double[] values = panel.Series.SelectMany(s => s.Values).Where(double.IsFinite).ToArray();
        bool endsHigh = values.Length > 0 && panel.Series.Any(s => s.Values.Count > 0 && s.Values[^1] > (values.Min() + values.Max()) / 2);
        plot.ShowLegend(endsHigh ? Alignment.LowerRight : Alignment.UpperRight);
    }

    private static void AddBars(Plot plot, BarChartPanel panel)
    {
        int seriesCount = Math.Max(1, panel.Series.Count);
        const double groupWidth = 0.8;
        double barWidth = groupWidth / seriesCount;
        double top = 0;
        for (int s = 0; s < panel.Series.Count; s++)
        {
            BarSeries series = panel.Series[s];
            if (series.Values.Count != panel.Groups.Count)
            {
                throw new ArgumentException($"Series '{series.Name}' has {series.Values.Count} values for {panel.Groups.Count} groups.", nameof(panel));
            }

            var bars = new List<Bar>();
            for (int g = 0; g < panel.Groups.Count; g++)
            {
                double value = series.Values[g];
                if (!double.IsFinite(value))
                {
                    continue;
                }

                top = Math.Max(top, value);
                bars.Add(new Bar
                {
                    Position = g - (groupWidth / 2) + (barWidth * (s + 0.5)),
                    Value = value,
                    Size = barWidth * 0.92,
                    FillColor = Palette(s),
                    LineWidth = 0,
                    Label = FormatValue(value),
                });
            }

            var plottable = plot.Add.Bars(bars);
            plottable.LegendText = series.Name;
            plottable.ValueLabelStyle.FontSize = panel.Groups.Count * seriesCount > 16 ? 9 : 11;
        }

        plot.Axes.Bottom.SetTicks(
            Enumerable.Range(0, panel.Groups.Count).Select(g => (double)g).ToArray(),
            panel.Groups.ToArray());
        plot.Axes.Bottom.MajorTickStyle.Length = 0;
        plot.HideGrid();
        plot.Axes.Margins(bottom: 0);

        // Room above the tallest bar for its value label; the legend sits below the chart, clear of the bars.
        plot.Axes.SetLimitsY(0, top > 0 ? top * 1.12 : 1);
        plot.Axes.SetLimitsX(-0.6, panel.Groups.Count - 0.4);
        plot.ShowLegend(Edge.Bottom);
    }

    /// <summary>A value as a bar label: about three significant digits, thousands and millions abbreviated.</summary>
    internal static string FormatValue(double value) => Math.Abs(value) switch
    {
        >= 1e6 => (value / 1e6).ToString("0.##", CultureInfo.InvariantCulture) + "M",
        >= 1e3 => (value / 1e3).ToString("0.##", CultureInfo.InvariantCulture) + "k",
        >= 100 => value.ToString("0", CultureInfo.InvariantCulture),
        >= 1 => value.ToString("0.##", CultureInfo.InvariantCulture),
        >= 1e-3 or 0 => value.ToString("0.###", CultureInfo.InvariantCulture),
        _ => value.ToString("0.#E+0", CultureInfo.InvariantCulture),
    };

    private static Color Palette(int index) => new ScottPlot.Palettes.Category10().GetColor(index);
}
