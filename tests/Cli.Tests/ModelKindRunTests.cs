using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Recommender.Core.Demo;
using Recommender.Core.Tests.TestSupport;

namespace Recommender.Cli.Tests;

/// <summary>
/// <c>recommender run</c> end to end for every model kind on explicit and implicit feedback: each run must
/// get through every stage and publish. The log is small and planted (users rate their own taste
/// cluster's items 4–5 and others 1–3), so a few short epochs beat the baselines.
/// </summary>
public sealed partial class ModelKindRunTests : IClassFixture<ModelKindRunTests.RatingsLog>
{
    private static readonly string[] FastTraining = ["--epochs", "6", "--dimension", "16", "--learning-rate", "0.02", "--batch-size", "128"];
    private readonly RatingsLog _log;

    /// <summary>Expected kind of the automatic choice on implicit feedback: the candidate its leaderboard marks chosen.</summary>
    private const string Chosen = "the chosen candidate";

    public ModelKindRunTests(RatingsLog log) => _log = log;

    /// <summary>The kind column of the leaderboard row marked chosen (the table asserts both candidates ran).</summary>
    private static string ChosenKind(string output)
    {
        string[] rows = output.Split('\n').Where(line => line.Contains('│', StringComparison.Ordinal)).ToArray();
        Assert.Contains(rows, row => row.Contains("│ ease ", StringComparison.Ordinal));
        Assert.Contains(rows, row => row.Contains("│ softmax ", StringComparison.Ordinal));
        string chosen = Assert.Single(rows, row => row.Contains("│ chosen", StringComparison.Ordinal));
        return chosen.Split('│', StringSplitOptions.TrimEntries)[2];
    }

    [Theory]
    [InlineData("MatrixFactorization", true, "MatrixFactorization", "rmse")]
    [InlineData("Bpr", true, "Bpr", "ndcg@10")]
    [InlineData("Softmax", true, "Softmax", "ndcg@10")]
    [InlineData("Auto", true, "MatrixFactorization", "rmse")]
    [InlineData("Bpr", false, "Bpr", "ndcg@10")]
    [InlineData("Softmax", false, "Softmax", "ndcg@10")]
    [InlineData("Ials", false, "Ials", "ndcg@10")]
    [InlineData("Auto", false, Chosen, "ndcg@10")]
    public async Task Run_ModelKindOnFeedback_EveryStageSucceedsAndTheModelBeatsItsBaseline(string model, bool isExplicit, string trainedKind, string gateMetric)
    {
        using var store = new TempDirectory();
        string[] arguments = ["run", "--store", store.FullPath, "--input", _log.Path, "--model", model, .. FastTraining, .. isExplicit ? new[] { "--explicit" } : []];

        CliResult result = await CliProcess.RunAsync(store.FullPath, arguments);

        Assert.True(result.ExitCode == 0, result.Error + result.Output);
        Match published = PublishedRun().Match(result.Output);
        Assert.True(published.Success, result.Output);
        // Each epoch is reported with its validation metric (early stopping may end a run before the sixth).
        Assert.Matches($@"epoch\s+[1-6]/6\s+loss [0-9.]+\s+{Regex.Escape(gateMetric)} [0-9.]+", result.Error);
        using JsonDocument manifest = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(store.FullPath, "artifacts", "models", published.Groups[1].Value, "model.json")));
        Assert.Equal(trainedKind == Chosen ? ChosenKind(result.Output) : trainedKind, manifest.RootElement.GetProperty("kind").GetString());
        Assert.Contains("▸ refit (train + validation", result.Error, StringComparison.Ordinal);
        Assert.Contains("trained again on train + validation", Unwrapped(result.Output), StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(store.FullPath, "artifacts", "models", published.Groups[1].Value + ".refit", "model.json")));
        (double modelValue, double baseline) = MetricRow(result.Output, gateMetric);
        Assert.True(gateMetric == "rmse" ? modelValue < baseline : modelValue > baseline, $"{gateMetric}: model {modelValue}, baseline {baseline}");
    }

    [Fact]
    public async Task Run_QualityGateOutOfReach_ExitsWithCode1NamingTheThresholdOptionsAndPublishesNothing()
    {
        using var store = new TempDirectory();

        CliResult result = await CliProcess.RunAsync(
            store.FullPath, ["run", "--store", store.FullPath, "--input", _log.Path, "--model", "Ials", "--epochs", "2", "--min-vs-popularity", "100"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("The quality gate's thresholds are --min-vs-popularity and --max-regression.", Unwrapped(result.Error), StringComparison.Ordinal);
        Assert.DoesNotContain("▸ publish", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_MatrixFactorizationWithoutExplicit_ExitsWithCode2BeforeTraining()
    {
        using var store = new TempDirectory();

        CliResult result = await CliProcess.RunAsync(store.FullPath, ["run", "--store", store.FullPath, "--input", _log.Path, "--model", "MatrixFactorization", .. FastTraining]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--explicit", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("▸ train", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_ModelBlend_ExitsWithCode2NamingTheModelsThatCanBeAskedFor()
    {
        using var store = new TempDirectory();

        CliResult result = await CliProcess.RunAsync(store.FullPath, ["run", "--store", store.FullPath, "--input", _log.Path, "--model", "blend"]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--model must be one of Auto, MatrixFactorization, Bpr, Softmax, Ease, Ials; got 'blend'", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_BprWithPatienceAndEvalEvery_ValidatesEveryOtherEpochAndRecordsBoth()
    {
        using var store = new TempDirectory();

        CliResult result = await CliProcess.RunAsync(
            store.FullPath,
            ["run", "--store", store.FullPath, "--input", _log.Path, "--model", "Bpr", "--epochs", "4", "--patience", "7", "--eval-every", "2", "--dimension", "16", "--batch-size", "128"]);

        Assert.True(result.ExitCode == 0, result.Error + result.Output);
        Assert.Matches(@"epoch   1/4\s+loss [0-9.]+\s*\n", result.Error.Replace("\r", string.Empty, StringComparison.Ordinal));
        Assert.Matches(@"epoch   2/4\s+loss [0-9.]+\s+ndcg@10 [0-9.]+", result.Error);
        Assert.Matches(@"epoch   4/4\s+loss [0-9.]+\s+ndcg@10 [0-9.]+", result.Error);
        string runId = PublishedRun().Match(result.Output).Groups[1].Value;
        using JsonDocument manifest = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(store.FullPath, "artifacts", "models", runId, "model.json")));
        JsonElement options = manifest.RootElement.GetProperty("options");
        Assert.Equal((7, 2, 4), (options.GetProperty("earlyStoppingPatience").GetInt32(), options.GetProperty("evaluateEvery").GetInt32(), options.GetProperty("epochs").GetInt32()));
    }

    [Fact]
    public async Task Run_NoRefit_PublishesTheModelTrainedOnTrainOnlyAndSaysSo()
    {
        using var store = new TempDirectory();

        CliResult result = await CliProcess.RunAsync(store.FullPath, ["run", "--store", store.FullPath, "--input", _log.Path, "--model", "Softmax", "--no-refit", .. FastTraining]);

        Assert.True(result.ExitCode == 0, result.Error + result.Output);
        string runId = PublishedRun().Match(result.Output).Groups[1].Value;
        Assert.DoesNotContain("▸ refit", result.Error, StringComparison.Ordinal);
        Assert.Contains("trained on train only; refit off", Unwrapped(result.Output), StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(store.FullPath, "artifacts", "models", runId + ".refit")));
    }

    /// <summary>Console text with Spectre's line wrapping undone.</summary>
    private static string Unwrapped(string text) => Regex.Replace(text, @"\s*\r?\n\s*", " ");

    private static (double Model, double Baseline) MetricRow(string output, string metric)
    {
        Match row = Regex.Match(output, $@"{Regex.Escape(metric)}\s*│\s*([0-9.]+)\s*│\s*([0-9.]+)");
        Assert.True(row.Success, output);
        return (double.Parse(row.Groups[1].Value, CultureInfo.InvariantCulture), double.Parse(row.Groups[2].Value, CultureInfo.InvariantCulture));
    }

    [GeneratedRegex(@"Run (\S+): published version \1")]
    private static partial Regex PublishedRun();

    /// <summary>A generated log with ratings (string user ids, int64 item ids), written once for the class.</summary>
    public sealed class RatingsLog : IAsyncLifetime, IDisposable
    {
        private readonly TempDirectory _folder = new();

        public string Path { get; private set; } = string.Empty;

        public async Task InitializeAsync()
        {
            Path = _folder.Combine("ratings.parquet");
            await using FileStream output = File.Create(Path);
            await SyntheticInteractionLog.WriteAsync(output, new SyntheticLogOptions { Users = 300, Items = 120, Clusters = 6, MeanPerUser = 20, Seed = 42, Ratings = true });
        }

        public Task DisposeAsync() => Task.CompletedTask;

        public void Dispose() => _folder.Dispose();
    }
}
