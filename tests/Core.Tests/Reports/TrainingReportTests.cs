using System.Net;
using Recommender.Core.Models;
using Recommender.Core.Pipeline;
using Recommender.Core.Reports;
using Recommender.Core.Storage;
using Recommender.Core.Tests.TestSupport;
using Recommender.Core.Training;
using SkiaSharp;

namespace Recommender.Core.Tests.Reports;

public sealed class TrainingReportTests
{
    private static readonly byte[] PngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    [Fact]
    public async Task WriteAsync_SyntheticRun_WritesPicturesAndPagesInTheRunFolder()
    {
        using var temp = new TempDirectory();
        var store = new LocalArtifactStore(temp.FullPath);

        TrainingReportFiles files = await TrainingReport.WriteAsync(store, Manifest(), Evaluation(live: false), new GateDecision(true, "ndcg@10 0.4321 vs popularity 0.2534."));

        Assert.Equal(
            ["models/run-7/report.curves.png", "models/run-7/report.html", "models/run-7/report.md", "models/run-7/report.metrics.png"],
            new[] { files.Curves, files.Metrics, files.Html, files.Markdown }.Order(StringComparer.Ordinal));
        foreach (string path in new[] { files.Curves, files.Metrics, files.Html, files.Markdown })
        {
            ArtifactInfo? info = await store.GetInfoAsync(path);
            Assert.True(info is { Size: > 1000 }, $"{path} is missing or nearly empty");
        }
    }

    [Fact]
    public void Render_RunWithValidator_CurvesAreAPngOfTwoPanelsSideBySide()
    {
        RenderedTrainingReport report = TrainingReport.Render(Manifest(), Evaluation(live: false), gate: null);

        Assert.Equal(PngSignature, report.CurvesPng[..8]);
        Assert.True(report.CurvesPng.Length > 10_000, $"the curves PNG is only {report.CurvesPng.Length} bytes");
        using SKBitmap bitmap = SKBitmap.Decode(report.CurvesPng);
        Assert.Equal((2 * ChartRenderer.DefaultPanelWidth, ChartRenderer.DefaultHeight), (bitmap.Width, bitmap.Height));
    }

    [Fact]
    public void Render_Evaluation_MetricsAreADecodablePngOfOnePanel()
    {
        RenderedTrainingReport report = TrainingReport.Render(Manifest(), Evaluation(live: true), gate: null);

        Assert.Equal(PngSignature, report.MetricsPng[..8]);
        using SKBitmap bitmap = SKBitmap.Decode(report.MetricsPng);
        Assert.Equal((ChartRenderer.DefaultPanelWidth, ChartRenderer.DefaultHeight), (bitmap.Width, bitmap.Height));
    }

    [Fact]
    public void Render_SameRunTwice_ProducesIdenticalPictures()
    {
        RenderedTrainingReport first = TrainingReport.Render(Manifest(), Evaluation(live: true), gate: null);
        RenderedTrainingReport second = TrainingReport.Render(Manifest(), Evaluation(live: true), gate: null);

        Assert.Equal(first.CurvesPng, second.CurvesPng);
        Assert.Equal(first.MetricsPng, second.MetricsPng);
    }

    [Fact]
    public void Render_Html_EmbedsBothPicturesAndListsMetricValuesOptionsAndRunFacts()
    {
        RenderedTrainingReport report = TrainingReport.Render(Manifest(), Evaluation(live: true), new GateDecision(false, "below popularity"));

        Assert.Equal(2, CountOf(report.Html, "<img src=\"data:image/png;base64,"));
        Assert.Contains(Convert.ToBase64String(report.CurvesPng), report.Html, StringComparison.Ordinal);
        Assert.Contains("<td class=\"n\">0.4321</td>", report.Html, StringComparison.Ordinal);
        Assert.Contains("<td class=\"n\">0.2534</td>", report.Html, StringComparison.Ordinal);
        Assert.Contains("<td class=\"n\">0.4100</td>", report.Html, StringComparison.Ordinal);
        Assert.Contains("<td class=\"n\">1.71</td>", report.Html, StringComparison.Ordinal);
        Assert.Contains("ml-100k-v3", report.Html, StringComparison.Ordinal);
        Assert.Contains("<th>learningRate</th><td>0.05</td>", report.Html, StringComparison.Ordinal);
        Assert.Contains("failed: below popularity", report.Html, StringComparison.Ordinal);
        Assert.Contains("<td>3 (best)</td>", report.Html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false, "| Device | cpu |")]
    [InlineData(true, "| Device | cpu (device auto found no CUDA device) |")]
    public void Render_Device_SaysWhenDeviceAutoFoundNoGpu(bool fellBackToCpu, string row)
    {
        RenderedTrainingReport report = TrainingReport.Render(Manifest() with { FellBackToCpu = fellBackToCpu }, Evaluation(live: false), gate: null);

        Assert.Contains(row, report.Markdown, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_Blend_ListsItsPartsOnOneLineAndSaysWhatItsDimensionCounts()
    {
        var parts = new BlendPart[]
        {
            new("softmax", new TrainingOptions { Kind = ModelKind.Softmax, Epochs = 13 }, 0.81),
            new("ease", new TrainingOptions { Kind = ModelKind.Ease, Epochs = 5, Regularization = 25 }, 0.19),
        };
        ModelManifest blend = Manifest() with
        {
            Kind = ModelKind.Blend,
            Dimension = 64 + 1682,
            Options = new TrainingOptions { Kind = ModelKind.Blend, Epochs = 1, BlendParts = parts },
        };

        RenderedTrainingReport report = TrainingReport.Render(blend, Evaluation(live: false), gate: null);

        const string Parts = "0.81·softmax (Softmax, 13 epochs) + 0.19·ease (Ease, 5 epochs)";
        Assert.Contains($"| blendParts | {Parts} |", report.Markdown, StringComparison.Ordinal);
        Assert.Contains("| Dimension | 1746 (the parts' scoring columns side by side) |", report.Markdown, StringComparison.Ordinal);
        Assert.Contains($"<th>blendParts</th><td>{WebUtility.HtmlEncode(Parts)}</td>", report.Html, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_Markdown_ReferencesPicturesBesideItAndTabulatesMetrics()
    {
        RenderedTrainingReport report = TrainingReport.Render(Manifest(), Evaluation(live: false), gate: null);

        Assert.Contains("](report.curves.png)", report.Markdown, StringComparison.Ordinal);
        Assert.Contains("](report.metrics.png)", report.Markdown, StringComparison.Ordinal);
        Assert.Contains("| ndcg@10 | 0.4321 | 0.2534 | 1.71 |", report.Markdown, StringComparison.Ordinal);
        Assert.DoesNotContain("| live |", report.Markdown, StringComparison.Ordinal);
    }

    [Fact]
    public void CurvePanels_RunWithoutValidator_DrawsOnlyTheLoss()
    {
        ModelManifest manifest = Manifest() with
        {
            MetricName = null,
            HigherIsBetter = null,
            BestMetric = null,
            Epochs = [new EpochRecord(1, 0.9, null, null, 1.0), new EpochRecord(2, 0.7, null, null, 1.0)],
        };

        IReadOnlyList<ChartPanel> panels = TrainingReport.CurvePanels(manifest);

        Assert.Equal("Training loss (Bpr)", Assert.Single(panels).Title);
    }

    [Fact]
    public void MetricPanel_LiveModelPresent_AddsALiveSeriesOverTheSharedMetrics()
    {
        BarChartPanel panel = TrainingReport.MetricPanel(Evaluation(live: true));

        Assert.Equal(["model", "popularity", "live"], panel.Series.Select(s => s.Name));
        Assert.Equal(["precision@10", "recall@10", "ndcg@10", "map@10"], panel.Groups);
        Assert.Equal(0.41, panel.Series[2].Values[2]);
    }

    private static int CountOf(string text, string part)
    {
        int count = 0;
        for (int at = text.IndexOf(part, StringComparison.Ordinal); at >= 0; at = text.IndexOf(part, at + part.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    private static ModelEvaluation Evaluation(bool live) => new(
        10,
        new Dictionary<string, double> { ["precision@10"] = 0.3812, ["recall@10"] = 0.2015, ["ndcg@10"] = 0.4321, ["map@10"] = 0.2934, ["rmse"] = 0.93 },
        new Dictionary<string, double> { ["precision@10"] = 0.2293, ["recall@10"] = 0.1114, ["ndcg@10"] = 0.2534, ["map@10"] = 0.138 },
        live ? new Dictionary<string, double> { ["precision@10"] = 0.37, ["recall@10"] = 0.19, ["ndcg@10"] = 0.41, ["map@10"] = 0.28 } : null);

    private static ModelManifest Manifest()
    {
        double[] losses = [0.693, 0.512, 0.431, 0.398, 0.377];
        double[] ndcg = [0.301, 0.388, 0.4321, 0.429, 0.425];
        var created = new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);
        return new ModelManifest
        {
            RunId = "run-7",
            Kind = ModelKind.Bpr,
            DatasetVersion = "ml-100k-v3",
            UserCount = 943,
            ItemCount = 1682,
            Dimension = 64,
            Parameters = [new TensorShape("user_embedding.weight", "Float32", [943, 64])],
            Options = new TrainingOptions { Kind = ModelKind.Bpr, Dimension = 64, Epochs = 5, LearningRate = 0.05 },
            Device = "cpu",
            Status = TrainingStatus.Completed,
            MetricName = "ndcg@10",
            HigherIsBetter = true,
            BestEpoch = 3,
            BestMetric = 0.4321,
            Epochs = [.. losses.Select((loss, i) => new EpochRecord(i + 1, loss, ndcg[i], new Dictionary<string, double> { ["ndcg@10"] = ndcg[i] }, 2.5))],
            TorchSharpVersion = "0.107.0",
            CreatedAt = created,
            UpdatedAt = created.AddSeconds(14),
        };
    }
}
