using System.Text.Json;
using System.Text.RegularExpressions;
using Recommender.Core.Tests.TestSupport;

namespace Recommender.Cli.Tests;

/// <summary>
/// Ctrl-C during training stops after the epoch it is in, with that epoch's checkpoint and a run record; the same
/// command resumes the run, --fresh starts over and removes what the interrupted run left.
/// </summary>
public sealed partial class InterruptionTests : IDisposable
{
    /// <summary>
    /// Long enough (a slow learning rate keeps early stopping away for many epochs) that the signal arrives while it trains.
    /// One model (not the automatic choice, whose candidates train under runs of their own), so the checkpoints are the run's.
    /// </summary>
    private static readonly string[] SlowDemo = ["demo", "--model", "Softmax", "--users", "1500", "--epochs", "30", "--batch-size", "256", "--learning-rate", "0.001"];
    private readonly TempDirectory _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Demo_CtrlCDuringTraining_StopsAfterTheEpochWithExit130ThenTheSameCommandResumes()
    {
        (CliResult interrupted, string runId, int epoch, CliResult busy) = await InterruptAsync(alsoStartASecondRun: true);

        Assert.Equal(130, interrupted.ExitCode);
        Assert.Contains($"interrupted after epoch {epoch}", interrupted.Error, StringComparison.Ordinal);
        Assert.Contains("--fresh starts over", interrupted.Error, StringComparison.Ordinal);
        Assert.Equal("interrupted", RunRecordResult(runId));
        Assert.True(File.Exists(Store("artifacts", "models", runId, "checkpoints", $"epoch-{epoch:D4}.ckpt")), "no checkpoint of the last epoch");
        Assert.Equal(75, busy.ExitCode);
        Assert.Contains($"in use by run {runId}", busy.Error, StringComparison.Ordinal);

        CliResult resumed = await CliProcess.RunAsync(_folder.FullPath, SlowDemo);

        Assert.True(resumed.ExitCode == 0, resumed.Error);
        Assert.Contains($"resuming run {runId} (interrupted after epoch {epoch})", resumed.Error, StringComparison.Ordinal);
        Assert.Equal(epoch + 1, int.Parse(FirstEpoch().Match(resumed.Error).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Contains($"published version {runId}", resumed.Output, StringComparison.Ordinal);
        Assert.Equal("published", RunRecordResult(runId));
    }

    [Fact]
    public async Task Demo_FreshAfterAnInterruption_StartsANewRunAndRemovesTheInterruptedRunsCheckpoints()
    {
        (_, string runId, _, _) = await InterruptAsync(alsoStartASecondRun: false);

        CliResult fresh = await CliProcess.RunAsync(_folder.FullPath, "demo", "--model", "Softmax", "--users", "1500", "--epochs", "2", "--batch-size", "256", "--learning-rate", "0.001", "--fresh");

        Assert.True(fresh.ExitCode == 0, fresh.Error);
        Assert.Contains($"removed the checkpoints of interrupted run {runId}", fresh.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("resuming", fresh.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Store("artifacts", "models", runId)), "the interrupted run's folder is still there");
        Assert.Equal("interrupted", RunRecordResult(runId));
    }

    [Fact]
    public async Task Demo_CtrlCDuringTheAutomaticChoice_TheSameCommandResumesItAndPublishesTheChosenCandidate()
    {
        string[] automatic = [.. SlowDemo.Where((_, index) => index is not (1 or 2))];
        (CliResult interrupted, string runId, _, _) = await InterruptAsync(alsoStartASecondRun: false, automatic);
        Assert.Equal(130, interrupted.ExitCode);
        Assert.Matches(@"ease +epoch +1/\d+ +loss", interrupted.Error);
        Assert.Matches(@"interrupted after epoch \d+ of (ease|ials|softmax);", interrupted.Error);

        CliResult resumed = await CliProcess.RunAsync(_folder.FullPath, automatic);

        Assert.True(resumed.ExitCode == 0, resumed.Error);
        Assert.Contains($"resuming run {runId}", resumed.Error, StringComparison.Ordinal);
        Assert.Contains($"published version {runId}", resumed.Output, StringComparison.Ordinal);
        Assert.Contains("│ chosen", resumed.Output, StringComparison.Ordinal);
        Assert.Equal("published", RunRecordResult(runId));
    }

    private async Task<(CliResult Result, string RunId, int Epoch, CliResult Busy)> InterruptAsync(bool alsoStartASecondRun, string[]? command = null)
    {
        using RunningCli run = CliProcess.Start(_folder.FullPath, command ?? SlowDemo);
        await run.WaitForErrorAsync("epoch   1/");
        CliResult busy = alsoStartASecondRun ? await CliProcess.RunAsync(_folder.FullPath, command ?? SlowDemo) : new CliResult(-1, "", "");
        run.Interrupt();
        CliResult result = await run.WaitAsync();
        Match stopped = Interrupted().Match(result.Error);
        Assert.True(stopped.Success, result.Error + result.Output);
        return (result, stopped.Groups[1].Value, int.Parse(stopped.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture), busy);
    }

    private string Store(params string[] parts) => Path.Combine([_folder.FullPath, ".recommender", .. parts]);

    private string RunRecordResult(string runId)
    {
        using JsonDocument record = JsonDocument.Parse(File.ReadAllText(Store("artifacts", "runs", $"{runId}.json")));
        return record.RootElement.GetProperty("result").GetString()!;
    }

    [GeneratedRegex(@"run (\S+) interrupted after epoch (\d+)")]
    private static partial Regex Interrupted();

    [GeneratedRegex(@"epoch +(\d+)/")]
    private static partial Regex FirstEpoch();
}
