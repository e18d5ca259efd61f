using System.Diagnostics;
using System.Text.Json;
using Recommender.Core.Tests.TestSupport;

namespace Recommender.Cli.Tests;

/// <summary>One run at a time writes to a store: a second one names the run that holds it, waits with --wait, and a killed holder does not lock the store for good.</summary>
public sealed class StoreLockTests : IDisposable
{
    private static readonly string[] SmallDemo = ["demo", "--users", "600", "--epochs", "3", "--dimension", "16"];
    private readonly TempDirectory _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Demo_StoreHeldByAnotherProcess_ExitsWith75NamingItsRunWithoutARunRecord()
    {
        using FileStream held = Hold(_folder.Combine(".recommender", "store.lock"), runId: "20260101-000000-abcdef");

        CliResult result = await CliProcess.RunAsync(_folder.FullPath, SmallDemo);

        Assert.Equal(75, result.ExitCode);
        Assert.Contains("in use by run 20260101-000000-abcdef", result.Error, StringComparison.Ordinal);
        Assert.Contains("--wait", result.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_folder.Combine(".recommender", "artifacts", "runs")), "a run record was written");
    }

    [Fact]
    public async Task Train_StoreHeldByARun_ExitsWith75BeforeWritingAnything()
    {
        using FileStream held = Hold(_folder.Combine(".recommender", "store.lock"), runId: "20260101-000000-abcdef");

        CliResult result = await CliProcess.RunAsync(_folder.FullPath, "train", "--dataset", "d", "--run-id", "r");

        Assert.Equal(75, result.ExitCode);
        Assert.Contains("in use by run 20260101-000000-abcdef", result.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_folder.Combine(".recommender", "artifacts")), "the store was written to");
    }

    [Fact]
    public async Task Demo_WithWaitWhileTheStoreIsHeld_StartsOnceItIsReleased()
    {
        FileStream held = Hold(_folder.Combine(".recommender", "store.lock"), runId: "20260101-000000-abcdef");
        using RunningCli waiting = CliProcess.Start(_folder.FullPath, [.. SmallDemo, "--wait"]);

        await waiting.WaitForErrorAsync("waiting for run 20260101-000000-abcdef");
        await held.DisposeAsync();
        File.Delete(_folder.Combine(".recommender", "store.lock.json"));
        CliResult result = await waiting.WaitAsync();

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("published version", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Demo_AfterTheHolderWasKilled_RecoversTheStore()
    {
        using (RunningCli killed = CliProcess.Start(_folder.FullPath, "demo", "--users", "1500", "--epochs", "30", "--batch-size", "128"))
        {
            await killed.WaitForErrorAsync("epoch   1/");
            killed.Kill();
            await killed.WaitAsync();
        }

        CliResult result = await CliProcess.RunAsync(_folder.FullPath, SmallDemo);

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("ended without releasing the store, which is free again", result.Error, StringComparison.Ordinal);
        Assert.Contains("published version", result.Output, StringComparison.Ordinal);
    }

    /// <summary>Holds the store's lock from this test process, as another recommender process would, and names a run.</summary>
    private static FileStream Hold(string lockPath, string runId)
    {
        var stream = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        using Process self = Process.GetCurrentProcess();
        var owner = new
        {
            processId = self.Id,
            processStartedAt = new DateTimeOffset(self.StartTime.ToUniversalTime(), TimeSpan.Zero),
            command = "run",
            since = DateTimeOffset.UtcNow,
            runId,
        };
        File.WriteAllText(Path.Combine(Path.GetDirectoryName(lockPath)!, "store.lock.json"), JsonSerializer.Serialize(owner));
        return stream;
    }
}
