using System.Globalization;
using System.Text.Json;
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
    public async Task Recommend_KAboveWhatTheVersionHolds_ShowsWhatThereIsAndSaysSo()
    {
        CliResult result = await CliProcess.RunAsync(_demo.Folder.FullPath, "recommend", "--user", "user-000007", "--k", "150");

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Matches(@"│\s*100\s*│", result.Output);
        Assert.Matches(@"note: --k 150: version \S+ holds 100 items for this user; `run --k` sets how many are stored\.", result.Error.ReplaceLineEndings(" "));
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

    [Theory]
    [InlineData("", "--user is empty")]
    [InlineData("user\t7", "--user contains control characters")]
    public async Task Recommend_IdNoUserCanHave_ExitsWithCode2InsteadOfShowingTheFallback(string id, string message)
    {
        CliResult result = await CliProcess.RunAsync(_demo.Folder.FullPath, "recommend", "--user", id);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("fallback", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Recommend_IdLongerThanPreprocessingKeeps_ExitsWithCode2()
    {
        CliResult result = await CliProcess.RunAsync(_demo.Folder.FullPath, "recommend", "--user", new string('u', 1_025));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--user is longer than 1,024 characters", result.Error.ReplaceLineEndings(string.Empty), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Train_WarmStartRunThatDoesNotExist_ExitsWithCode2NamingIt()
    {
        CliResult result = await CliProcess.RunAsync(
            _demo.Folder.FullPath, "train", "--dataset", DemoDataset(), "--run-id", "warm-missing", "--warm-start", "nope", "--model", "Ials", "--epochs", "1");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--warm-start nope: there is no such run in this store.", result.Error.ReplaceLineEndings(" "), StringComparison.Ordinal);
        Assert.False(Directory.Exists(_demo.Folder.Combine(".recommender", "artifacts", "models", "warm-missing")));
    }

    [Fact]
    public async Task Train_WarmStartRunOfAnotherKind_SaysItTrainsFromScratch()
    {
        string published = Regex.Match(_demo.Result.Output, @"published\S* version (\S+)").Groups[1].Value;

        CliResult result = await CliProcess.RunAsync(
            _demo.Folder.FullPath, "train", "--dataset", DemoDataset(), "--run-id", "warm-other-kind", "--warm-start", published, "--model", "Ials", "--epochs", "1");

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Matches($@"--warm-start {Regex.Escape(published)} is not used: it is a \w+ run of dimension \d+ \(\w+\); this run trains Ials of dimension \d+, from scratch\.", result.Error.ReplaceLineEndings(" "));
    }

    [Fact]
    public async Task Preprocess_MisspeltEventWeight_SaysNoRowMatchedItAndWhichTypesWentUnweighted()
    {
        string log = Assert.Single(Directory.GetFiles(_demo.Folder.Combine(".recommender", "inputs"), "*.parquet"));
        using var output = new TempDirectory();

        CliResult result = await CliProcess.RunAsync(
            output.FullPath, "preprocess", "--input", log, "--event-weight", "view=1", "--event-weight", "purchse=5", "--out", output.Combine("out"));

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains(
            "note: --event-weight purchse matched no row; the logs' event types without a weight: click, purchase (weighted 1, as every event type without a weight is).",
            result.Error.ReplaceLineEndings(" ").Replace("  ", " ", StringComparison.Ordinal),
            StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_OutNotNamedParquet_WritesParquetAndSaysSo()
    {
        string path = _demo.Folder.Combine("recs.csv");

        CliResult result = await CliProcess.RunAsync(_demo.Folder.FullPath, "export", "--out", path);

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("the file is Parquet whatever its name says", result.Error.ReplaceLineEndings(" "), StringComparison.Ordinal);
        byte[] head = new byte[4];
        await using (FileStream file = File.OpenRead(path))
        {
            await file.ReadExactlyAsync(head);
        }

        Assert.Equal("PAR1"u8.ToArray(), head);
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
    public async Task Demo_TooFewUsersForTheQualityGate_ExitsWithCode1ShowingNoRecommendations()
    {
        using var folder = new TempDirectory();

        CliResult result = await CliProcess.RunAsync(folder.FullPath, "demo", "--users", "20");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("was not published, so there are no recommendations to show", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("top 5", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("try: recommender recommend", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Demo_OneUserLeavesNothingToTrainOn_ExitsWithCode2NamingStageWithoutStackTrace()
    {
        using var folder = new TempDirectory();

        CliResult result = await CliProcess.RunAsync(folder.FullPath, "demo", "--users", "1");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("failed in stage 'train'", result.Error, StringComparison.Ordinal);
        Assert.Contains("has no training interactions", result.Error, StringComparison.Ordinal);
        Assert.Contains("split RandomPerUser", result.Error.ReplaceLineEndings(" "), StringComparison.Ordinal);
        Assert.DoesNotContain("(Parameter", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Demo_Output_StatesColumnsKUsersCoveredAndTheFilesItWrote()
    {
        Assert.True(_demo.Result.ExitCode == 0, _demo.Result.Error);
        Assert.Matches(@"Rows read\s*│\s*[0-9,]+", _demo.Result.Output);
        Assert.Contains("Columns: user = user_id BYTE_ARRAY STRING (detected); item = item_id INT64 (detected)", _demo.Result.Output, StringComparison.Ordinal);
        Assert.Matches(@"Metrics at K = 10 over the [0-9,]+ users with held-out interactions; up to 100 items per user", _demo.Result.Output);
        Assert.Contains("picked the model (and a blend's weights) on these same held-out interactions, so the figures lean optimistic", _demo.Result.Output, StringComparison.Ordinal);
        Assert.Matches(@"Generated log: .*demo-interactions-600-42\.parquet", _demo.Result.Output);
        Match report = Regex.Match(_demo.Result.Output, @"Report: (.*report\.html)");
        Assert.True(report.Success && File.Exists(report.Groups[1].Value.Trim()), _demo.Result.Output);
        string[] stageLines = [.. _demo.Result.Error.Split('\n').Where(line => line.StartsWith("▸ ", StringComparison.Ordinal)).Select(line => line.Split(' ')[1])];
        Assert.Equal(["preprocess", "train", "evaluate", "refit", "score", "publish"], stageLines);
    }

    [Fact]
    public async Task Export_UnknownVersion_ExitsWithCode2ListingThePublishedVersions()
    {
        CliResult result = await CliProcess.RunAsync(_demo.Folder.FullPath, "export", "--version", "bogus", "--out", _demo.Folder.Combine("bogus.parquet"));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--version 'bogus' is not a published version", result.Error, StringComparison.Ordinal);
        Assert.Contains("(active)", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_OutIsAFolder_ExitsWithCode2SayingSo()
    {
        CliResult result = await CliProcess.RunAsync(_demo.Folder.FullPath, "export", "--out", _demo.Folder.FullPath);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"--out {_demo.Folder.FullPath} is a folder", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Evaluate_CsvAsTruth_ExitsWithCode2NamingTheOptionAndTheFile()
    {
        string csv = _demo.Folder.Combine("truth.csv");
        await File.WriteAllTextAsync(csv, "user_id,item_id\n31393609,1\n");

        CliResult result = await CliProcess.RunAsync(_demo.Folder.FullPath, "evaluate", "--truth", csv, "--predictions", csv);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"--truth {csv} is not a Parquet file", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Evaluate_KFarBeyondTheCatalog_IsCappedAndSaysSo()
    {
        string recs = await ExportAsync("recs-k.parquet");

        CliResult result = await CliProcess.RunAsync(_demo.Folder.FullPath, "evaluate", "--truth", recs, "--predictions", recs, "--k", "1000000", "--json");

        Assert.True(result.ExitCode == 0, result.Error);
        using JsonDocument json = JsonDocument.Parse(result.Output);
        Assert.Equal(1_000_000, json.RootElement.GetProperty("requestedK").GetInt32());
        Assert.InRange(json.RootElement.GetProperty("k").GetInt32(), 100, 1_200);
    }

    [Fact]
    public async Task Evaluate_RankingScores_ShowsNoRmseAndSaysWhy()
    {
        string recs = await ExportAsync("recs-scores.parquet");

        CliResult result = await CliProcess.RunAsync(_demo.Folder.FullPath, "evaluate", "--truth", recs, "--predictions", recs);

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.DoesNotContain("rmse", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("NaN", result.Output, StringComparison.Ordinal);
        Assert.Contains("No RMSE/MAE: ", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Evaluate_Json_PrintsOneObjectWithTheMetrics()
    {
        string recs = await ExportAsync("recs-json.parquet");

        CliResult result = await CliProcess.RunAsync(_demo.Folder.FullPath, "evaluate", "--truth", recs, "--predictions", recs, "--json");

        Assert.True(result.ExitCode == 0, result.Error);
        using JsonDocument json = JsonDocument.Parse(result.Output);
        Assert.Equal(1.0, json.RootElement.GetProperty("ranking").GetProperty("precision@10").GetDouble(), 1e-9);
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("rating").ValueKind);
    }

    [Fact]
    public async Task Recommend_Json_PrintsOneObjectWithTheList()
    {
        CliResult result = await CliProcess.RunAsync(_demo.Folder.FullPath, "recommend", "--user", "user-000007", "--k", "3", "--json");

        Assert.True(result.ExitCode == 0, result.Error);
        using JsonDocument json = JsonDocument.Parse(result.Output);
        Assert.Equal("user-000007", json.RootElement.GetProperty("userId").GetString());
        Assert.False(json.RootElement.GetProperty("fallback").GetBoolean());
        Assert.Equal(3, json.RootElement.GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task AnyCommand_OutputPipedWithoutATerminalWidth_IsNotWrapped()
    {
        string version = new('v', 120);
        var noWidth = new Dictionary<string, string?> { ["COLUMNS"] = null };

        CliResult result = await CliProcess.RunAsync(_demo.Folder.FullPath, noWidth, "export", "--version", version, "--out", _demo.Folder.Combine("x.parquet"));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"error: --version '{version}' is not a published version of the lookup table in", result.Error.Split('\n')[0], StringComparison.Ordinal);
    }

    private async Task<string> ExportAsync(string name)
    {
        string recs = _demo.Folder.Combine(name);
        CliResult export = await CliProcess.RunAsync(_demo.Folder.FullPath, "export", "--out", recs);
        Assert.True(export.ExitCode == 0, export.Error);
        return recs;
    }

    /// <summary>The dataset version the demo preprocessed (its store holds one).</summary>
    private string DemoDataset() =>
        Path.GetFileName(Assert.Single(Directory.GetDirectories(_demo.Folder.Combine(".recommender", "artifacts", "datasets"))));

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
