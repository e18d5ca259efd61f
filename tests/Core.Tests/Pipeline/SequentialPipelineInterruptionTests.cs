using Recommender.Core.Demo;
using Recommender.Core.Pipeline;
using Recommender.Core.Tests.Reliability;
using Recommender.Core.Tests.TestSupport;
using Recommender.Core.Tests.Training;
using Recommender.Core.Training;

namespace Recommender.Core.Tests.Pipeline;

/// <summary>A run stopped by its token is recorded as interrupted, after the epoch whose checkpoint it wrote.</summary>
public sealed class SequentialPipelineInterruptionTests : IDisposable
{
    private readonly TempDirectory _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task RunAsync_CancelledAfterTheFirstEpoch_RecordsTheRunAsInterruptedAfterThatEpochOfTheCandidate()
    {
        string log = _folder.Combine("log.parquet");
        await using (FileStream stream = File.Create(log))
        {
            await SyntheticInteractionLog.WriteAsync(stream, new SyntheticLogOptions { Users = 200, Items = 100, Clusters = 4 });
        }

        using var parts = new LocalPipelineParts(_folder.Combine("store"), [log]);
        using var cancellation = new CancellationTokenSource();
        var stopAfterFirstEpoch = new SynchronousProgress<TrainingProgress>(progress =>
        {
            if (progress.IsEpochEnd)
            {
                cancellation.Cancel();
            }
        });
        var request = new PipelineRunRequest("run-1", "test", PipelineRunSettings.From(new PipelineOptions(), epochsPerActivity: 0));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => parts.Sequential.RunAsync(request, trainingProgress: stopAfterFirstEpoch, cancellationToken: cancellation.Token));

        RunRecord? record = await parts.History.GetAsync("run-1");
        Assert.NotNull(record);
        Assert.Equal(RunResults.Interrupted, record.Result);
        Assert.Equal("train", record.FailedStage);
        // The automatic choice (the default) trains EASE first.
        Assert.Equal("interrupted after epoch 1 of ease", record.Reason);
        Assert.NotNull(record.DatasetVersion);
    }
}
