using System.Globalization;
using System.Text.RegularExpressions;
using Recommender.Core.Tests.TestSupport;

namespace Recommender.Cli.Tests;

/// <summary>The main job end to end through the real command: demo, then recommend and export against the same store.</summary>
public sealed class PipelineCommandsTests : IClassFixture<PipelineCommandsTests.DemoRun>
{
    private readonly DemoRun _demo;

    public PipelineCommandsTests(DemoRun demo) => _demo = demo;

    [Fact]
    public void Demo_SmallSample_PublishesAndBeatsPopularityOnNdcg()
    {
        Assert.True(_demo.Result.ExitCode == 0, _demo.Result.Error + _demo.Result.Output);
        Match ndcg = Regex.Match(_demo.Result.Output, @"ndcg@10\s*│\s*([0-9.]+)\s*│\s*([0-9.]+)");
        Assert.True(ndcg.Success, _demo.Result.Output);
        double model = double.Parse(ndcg.Groups[1].Value, CultureInfo.InvariantCulture);
        double popularity = double.Parse(ndcg.Groups[2].Value, CultureInfo.InvariantCulture);
        Assert.True(model > 1.5 * popularity, $"model {model} vs popularity {popularity}");
        Assert.Contains("published version", _demo.Result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Recommend_KnownUser_ShowsTheUsersListFromThePublishedVersion()
    {
        CliResult result = await CliProcess.RunAsync(_demo.Folder.FullPath, "recommend", "--user", "user-000007", "--k", "5");

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Matches(@"│\s*5\s*│", result.Output);
        Assert.DoesNotContain("fallback", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Recommend_UnknownUser_ShowsPopularityFallback()
    {
        CliResult result = await CliProcess.RunAsync(_demo.Folder.FullPath, "recommend", "--user", "somebody-new");

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("(fallback)", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExportThenEvaluate_ExportedFileAgainstItself_IsPerfectPrecisionForListedItems()
    {
        string recs = _demo.Folder.Combine("recs.parquet");

        CliResult export = await CliProcess.RunAsync(_demo.Folder.FullPath, "export", "--out", recs);
        CliResult evaluate = await CliProcess.RunAsync(_demo.Folder.FullPath, "evaluate", "--truth", recs, "--predictions", recs, "--k", "10");

        Assert.True(export.ExitCode == 0, export.Error);
        Assert.Matches(@"Wrote 60,000 rows", export.Output);
        Assert.True(evaluate.ExitCode == 0, evaluate.Error);
        Assert.Matches(@"precision@10\s*│\s*1\.0000", evaluate.Output);
    }

    [Fact]
    public async Task Recommend_WithoutAStore_ExitsWithCode2AndSaysWhatToRun()
    {
        using var empty = new TempDirectory();

        CliResult result = await CliProcess.RunAsync(empty.FullPath, "recommend", "--user", "x");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("recommender run", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Demo_OneUserLeavesNothingToTrainOn_ExitsWithCode2NamingStageWithoutStackTrace()
    {
        using var folder = new TempDirectory();

        CliResult result = await CliProcess.RunAsync(folder.FullPath, "demo", "--users", "1");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("failed in stage 'train'", result.Error, StringComparison.Ordinal);
        Assert.Contains("has no training interactions", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Error, StringComparison.Ordinal);
    }

    /// <summary>One small demo run shared by the tests of this class.</summary>
    public sealed class DemoRun : IAsyncLifetime, IDisposable
    {
        public TempDirectory Folder { get; } = new();

        public CliResult Result { get; private set; } = new(-1, string.Empty, string.Empty);

        public async Task InitializeAsync() =>
            Result = await CliProcess.RunAsync(Folder.FullPath, "demo", "--users", "600", "--epochs", "10", "--dimension", "32", "--learning-rate", "0.01");

        public Task DisposeAsync() => Task.CompletedTask;

        public void Dispose() => Folder.Dispose();
    }
}
