using System.Text.Json;
using Recommender.Core.Datasets;
using Recommender.Core.Models;
using Recommender.Core.Training;

namespace Recommender.Core.Tests.Training;

public sealed class ModelTrainerCheckpointTests
{
    private const int Epochs = 6;

    [Fact]
    public async Task TrainAsync_EveryEpoch_WritesCheckpointRecordAndModelJson()
    {
        CuratedDataset data = PlantedData.Implicit();
        using var store = new TemporaryStore();
        TrainingOptions options = PlantedData.FastOptions(ModelKind.Softmax, epochs: 3);

        await new ModelTrainer().TrainAsync(data, options, new TrainingRun("written"), store.Store, new NdcgValidator(data));

        var paths = await store.Store.ListAsync("models/written/").Select(info => info.Path).ToListAsync();
        Assert.Contains("models/written/model.json", paths);
        Assert.Contains("models/written/vocabulary.json", paths);
        Assert.Contains("models/written/checkpoints/epoch-0003.ckpt", paths);
        Assert.Contains("models/written/checkpoints/epoch-0003.json", paths);
        using JsonDocument manifest = JsonDocument.Parse(await File.ReadAllTextAsync(store.FullPath("models/written/model.json")));
        Assert.Equal("Completed", manifest.RootElement.GetProperty("status").GetString());
        Assert.Equal(3, manifest.RootElement.GetProperty("epochs").GetArrayLength());
        Assert.Equal("planted-implicit", manifest.RootElement.GetProperty("datasetVersion").GetString());
        Assert.Equal("cpu", manifest.RootElement.GetProperty("device").GetString());
    }

    [Fact]
    public async Task TrainAsync_CancelledAfterEpoch_ResumesFromNextEpochAndMatchesUninterruptedRun()
    {
        CuratedDataset data = PlantedData.Implicit();
        TrainingOptions options = PlantedData.FastOptions(ModelKind.Bpr, epochs: Epochs);
        using var uninterruptedStore = new TemporaryStore();
        TrainingResult uninterrupted = await new ModelTrainer().TrainAsync(data, options, new TrainingRun("resume"), uninterruptedStore.Store, new NdcgValidator(data));
        using var store = new TemporaryStore();
        using var cancellation = new CancellationTokenSource();
        var stopAfterThird = new SynchronousProgress<TrainingProgress>(report =>
        {
            if (report.IsEpochEnd && report.Epoch == 3)
            {
                cancellation.Cancel();
            }
        });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            new ModelTrainer().TrainAsync(data, options, new TrainingRun("resume"), store.Store, new NdcgValidator(data), stopAfterThird, cancellation.Token));
        var epochsTrained = new List<int>();
        var record = new SynchronousProgress<TrainingProgress>(report => epochsTrained.Add(report.Epoch));

        TrainingResult resumed = await new ModelTrainer().TrainAsync(data, options, new TrainingRun("resume"), store.Store, new NdcgValidator(data), record);

        Assert.Equal(3, resumed.ResumedFromEpoch);
        Assert.Equal(4, epochsTrained.Min());
        Assert.Equal(uninterrupted.Epochs.Select(e => e.Loss), resumed.Epochs.Select(e => e.Loss), new ToleranceComparer(1e-6));
        Assert.Equal(uninterrupted.Epochs.Select(e => e.Metric!.Value), resumed.Epochs.Select(e => e.Metric!.Value), new ToleranceComparer(1e-6));
        Assert.Equal(uninterrupted.BestEpoch, resumed.BestEpoch);
        Assert.Equal(uninterrupted.Factors.ItemFactors, resumed.Factors.ItemFactors, new ToleranceComparer(1e-5));
    }

    [Fact]
    public async Task TrainAsync_ResumedAfterTheBestEpoch_ReturnsTheBestEpochWeights()
    {
        CuratedDataset data = PlantedData.Implicit();
        using var store = new TemporaryStore();
        using var cancellation = new CancellationTokenSource();
        TrainingOptions options = PlantedData.FastOptions(ModelKind.Softmax, epochs: Epochs);
        var before = new ScriptedValidator(0.1, 0.9, 0.2, 0.3);
        var stopAfterFourth = new SynchronousProgress<TrainingProgress>(report =>
        {
            if (report.IsEpochEnd && report.Epoch == 4)
            {
                cancellation.Cancel();
            }
        });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            new ModelTrainer().TrainAsync(data, options, new TrainingRun("best-kept"), store.Store, before, stopAfterFourth, cancellation.Token));

        TrainingResult resumed = await new ModelTrainer().TrainAsync(data, options, new TrainingRun("best-kept"), store.Store, new ScriptedValidator(0.4, 0.5));

        Assert.Equal(4, resumed.ResumedFromEpoch);
        Assert.Equal(2, resumed.BestEpoch);
        Assert.Equal(before.Seen[1].UserFactors, resumed.Factors.UserFactors);
    }

    [Theory]
    [InlineData("flip")]
    [InlineData("truncate")]
    [InlineData("no-record")]
    public async Task TrainAsync_LatestCheckpointDamaged_ResumesFromPreviousGoodOne(string damage)
    {
        CuratedDataset data = PlantedData.Implicit();
        using var store = new TemporaryStore();
        using var cancellation = new CancellationTokenSource();
        TrainingOptions options = PlantedData.FastOptions(ModelKind.Softmax, epochs: Epochs);
        var stopAfterThird = new SynchronousProgress<TrainingProgress>(report =>
        {
            if (report.IsEpochEnd && report.Epoch == 3)
            {
                cancellation.Cancel();
            }
        });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            new ModelTrainer().TrainAsync(data, options, new TrainingRun("damaged"), store.Store, progress: stopAfterThird, cancellationToken: cancellation.Token));
        Damage(store, "models/damaged/checkpoints/epoch-0003", damage);

        TrainingResult resumed = await new ModelTrainer().TrainAsync(data, options, new TrainingRun("damaged"), store.Store);

        Assert.Equal(2, resumed.ResumedFromEpoch);
        Assert.Equal(Epochs, resumed.Epochs.Count);
        Assert.Equal(TrainingStatus.Completed, resumed.Status);
    }

    [Fact]
    public async Task TrainAsync_RunAlreadyFinished_ReturnsStoredResultWithoutTraining()
    {
        CuratedDataset data = PlantedData.Implicit();
        using var store = new TemporaryStore();
        TrainingOptions options = PlantedData.FastOptions(ModelKind.Softmax, epochs: 3);
        TrainingResult first = await new ModelTrainer().TrainAsync(data, options, new TrainingRun("finished"), store.Store);
        int reports = 0;

        TrainingResult again = await new ModelTrainer().TrainAsync(data, options, new TrainingRun("finished"), store.Store, progress: new SynchronousProgress<TrainingProgress>(_ => reports++));

        Assert.Equal(0, reports);
        Assert.Equal(first.Factors.UserFactors, again.Factors.UserFactors);
        Assert.Equal(first.Epochs.Select(e => e.Loss), again.Epochs.Select(e => e.Loss));
    }

    [Fact]
    public async Task TrainAsync_SameRunIdWithOtherOptions_ThrowsConflictNamingWhatDiffers()
    {
        CuratedDataset data = PlantedData.Implicit();
        using var store = new TemporaryStore();
        await new ModelTrainer().TrainAsync(data, PlantedData.FastOptions(ModelKind.Softmax, epochs: 2), new TrainingRun("conflict"), store.Store);

        TrainingOptions other = PlantedData.FastOptions(ModelKind.Softmax, epochs: 2) with { LearningRate = 0.5 };

        var error = await Assert.ThrowsAsync<TrainingRunConflictException>(() => new ModelTrainer().TrainAsync(data, other, new TrainingRun("conflict"), store.Store));

        Assert.Contains("conflict", error.Message, StringComparison.Ordinal);
        Assert.Contains("learningRate: 0.02 there, 0.5 now", error.Message, StringComparison.Ordinal);
    }

    private static void Damage(TemporaryStore store, string checkpointStem, string damage)
    {
        string checkpoint = store.FullPath(checkpointStem + ".ckpt");
        switch (damage)
        {
            case "flip":
                byte[] bytes = File.ReadAllBytes(checkpoint);
                bytes[bytes.Length / 2] ^= 0xFF;
                File.WriteAllBytes(checkpoint, bytes);
                break;
            case "truncate":
                using (var file = new FileStream(checkpoint, FileMode.Open))
                {
                    file.SetLength(file.Length / 3);
                }

                break;
            default:
                File.Delete(store.FullPath(checkpointStem + ".json"));
                break;
        }
    }
}

internal sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>, IEqualityComparer<float>
{
    public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance * Math.Max(1.0, Math.Abs(x));

    public bool Equals(float x, float y) => Equals((double)x, y);

    public int GetHashCode(double obj) => 0;

    public int GetHashCode(float obj) => 0;
}
