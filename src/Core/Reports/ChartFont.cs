using ScottPlot;
using SkiaSharp;

namespace Recommender.Core.Reports;

/// <summary>
/// The typeface every chart draws its text with, shipped inside this assembly: a bare Linux host
/// (a container, a CI machine) may have no fonts at all, and SkiaSharp then draws no text. Using
/// the same font everywhere also makes a chart look the same on every machine.
/// </summary>
internal static class ChartFont
{
    /// <summary>Family name under which the embedded typeface is registered with ScottPlot.</summary>
    public const string Family = "Recommender Chart Sans";

    private static readonly SKData Regular = Load("DejaVuSans.ttf");
    private static readonly SKData Bold = Load("DejaVuSans-Bold.ttf");

    static ChartFont()
    {
        // Ahead of the system resolver, and the default for labels that never name a font (legend items, bar values).
        Fonts.FontResolvers.Insert(0, new EmbeddedFontResolver());
        Fonts.Default = Family;
    }

    /// <summary>Registers the typeface with ScottPlot (once per process) before a chart is drawn.</summary>
    public static void EnsureRegistered()
    {
        // The static constructor does the work; touching a field runs it exactly once.
        _ = Regular;
    }

    private static SKData Load(string fileName)
    {
        string resource = $"Recommender.Core.Reports.Fonts.{fileName}";
        using Stream stream = typeof(ChartFont).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"The chart font resource '{resource}' is missing from {typeof(ChartFont).Assembly.GetName().Name}.");
        return SKData.Create(stream);
    }

    private sealed class EmbeddedFontResolver : IFontResolver
    {
        public SKTypeface? CreateTypeface(string fontName, bool bold, bool italic) =>
            string.Equals(fontName, Family, StringComparison.Ordinal) ? SKTypeface.FromData(bold ? Bold : Regular) : null;

        public SKTypeface? CreateTypeface(string fontName, FontWeight weight, FontSlant slant, FontSpacing spacing) =>
            CreateTypeface(fontName, weight >= FontWeight.SemiBold, slant != FontSlant.Upright);
    }
}
