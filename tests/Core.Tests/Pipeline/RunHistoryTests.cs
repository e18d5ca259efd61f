using Recommender.Core.Pipeline;
using Recommender.Core.Storage;
using Recommender.Core.Tests.TestSupport;

namespace Recommender.Core.Tests.Pipeline;

public sealed class RunHistoryTests : IDisposable
{
    private readonly TempDirectory _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task ListAsync_ManyRuns_GivesNewestFirstAndReadsOnlyTheRecordsTaken()
    {
        var store = new CountingArtifactStore(new LocalArtifactStore(_folder.FullPath));
        var history = new RunHistory(store);
        var start = new DateTimeOffset(2026, 12, 1, 2, 0, 0, TimeSpan.Zero);
        string[] runIds = [.. Enumerable.Range(0, 30).Select(day => PipelinePaths.NewRunId(start.AddDays(day), "abc123"))];
        foreach (string runId in runIds.Reverse())
        {
            await history.WriteAsync(new RunRecord { RunId = runId, Trigger = "timer", Result = RunResults.Published, StartedAt = start, FinishedAt = start });
        }

        store.Reset();
        var newest = new List<string>();
        await foreach (RunRecord record in history.ListAsync())
        {
            newest.Add(record.RunId);
            if (newest.Count == 3)
            {
                break;
            }
        }

        Assert.Equal(runIds[^3..].Reverse(), newest);
        Assert.Equal(3, runIds.Count(runId => store.BytesRead($"runs/{runId}.json") > 0));
    }
}
