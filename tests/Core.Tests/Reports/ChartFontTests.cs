using Recommender.Core.Reports;
using ScottPlot;
using SkiaSharp;

namespace Recommender.Core.Tests.Reports;

public sealed class ChartFontTests
{
    [Fact]
    public void EnsureRegistered_ChartFamily_ResolvesTheEmbeddedSubsetRatherThanASystemFont()
    {
        ChartFont.EnsureRegistered();

        SKTypeface typeface = Fonts.GetTypeface(ChartFont.Family, bold: false, italic: false);

        // The embedded subset holds Latin only (a few hundred glyphs); a system DejaVu Sans holds thousands, a missing font none.
        Assert.InRange(typeface.GlyphCount, 150, 400);
        Assert.True(typeface.ContainsGlyphs("Training loss, epoch 12: ndcg@10 = 0.4321 (best)"));
    }

    [Fact]
    public void EnsureRegistered_Bold_ResolvesTheEmbeddedBoldFace()
    {
        ChartFont.EnsureRegistered();

        SKTypeface typeface = Fonts.GetTypeface(ChartFont.Family, bold: true, italic: false);

        Assert.True(typeface.IsBold);
        Assert.InRange(typeface.GlyphCount, 150, 400);
    }

    [Fact]
    public void EnsureRegistered_AnyLabelWithoutAFontName_DefaultsToTheEmbeddedFamily()
    {
        ChartFont.EnsureRegistered();

        Assert.Equal(ChartFont.Family, Fonts.Default);
    }
}
