using Recommender.Core.Datasets;
using Recommender.Core.Models;
using Recommender.Core.Tests.Training;
using Recommender.Core.Training;

namespace Recommender.Core.Tests.Models;

/// <summary>iALS: sweeps that lower its objective, resumption from its checkpoints, and its place in the trainer.</summary>
public sealed class IalsModelTests
{
    private static readonly TrainingOptions Options = new()
    {
        Kind = ModelKind.Ials,
        Dimension = 8,
        Epochs = 8,
        EarlyStoppingPatience = 0,
        Device = TrainingDevice.Cpu,
    };

    [Fact]
    public async Task TrainAsync_EverySweep_LowersTheObjective()
    {
        CuratedDataset data = PlantedData.Implicit();
        using var store = new TemporaryStore();

        TrainingResult result = await new ModelTrainer().TrainAsync(data, Options, new TrainingRun("ials-descent"), store.Store);

        double[] losses = result.Epochs.Select(epoch => epoch.Loss).ToArray();
        Assert.Equal(8, losses.Length);
        Assert.All(losses.Zip(losses.Skip(1)), pair => Assert.True(pair.Second <= pair.First + 1e-6, $"objective rose from {pair.First} to {pair.Second}"));
        Assert.True(losses[^1] < losses[0] * 0.9, $"objective {losses[0]} → {losses[^1]}");
    }

    [Fact]
    public async Task TrainAsync_ThreeSweepsACall_EndsWhereOneCallEnds()
    {
        CuratedDataset data = PlantedData.Implicit();
        using var whole = new TemporaryStore();
        using var inSteps = new TemporaryStore();

        TrainingResult uninterrupted = await new ModelTrainer().TrainAsync(data, Options, new TrainingRun("ials-steps"), whole.Store);
        TrainingResult resumed;
        do
        {
            resumed = await new ModelTrainer().TrainAsync(data, Options, new TrainingRun("ials-steps") { MaxEpochsThisCall = 3 }, inSteps.Store);
        }
        while (resumed.Status == TrainingStatus.Running);

        Assert.Equal(uninterrupted.Epochs.Select(e => e.Loss), resumed.Epochs.Select(e => e.Loss));
        TrainedModel loaded = await TrainedModel.LoadAsync(inSteps.Store, "ials-steps");
        Assert.Equal(uninterrupted.Factors.UserFactors, loaded.Factors.UserFactors);
        Assert.Equal(uninterrupted.Factors.UserFactors, resumed.Factors.UserFactors);
        Assert.Equal(uninterrupted.Factors.ItemFactors, resumed.Factors.ItemFactors);
    }

    [Fact]
    public async Task TrainAsync_WarmStartedFromAFinishedRun_FirstSweepStartsFromItsFactors()
    {
        CuratedDataset data = PlantedData.Implicit();
        using var store = new TemporaryStore();
        await new ModelTrainer().TrainAsync(data, Options, new TrainingRun("ials-live"), store.Store);

        TrainingResult cold = await new ModelTrainer().TrainAsync(data, Options with { Epochs = 1 }, new TrainingRun("ials-cold"), store.Store);
        TrainingResult warm = await new ModelTrainer().TrainAsync(data, Options with { Epochs = 1 }, new TrainingRun("ials-warm", "ials-live"), store.Store);
        ModelManifest manifest = (await TrainedModel.ReadManifestAsync(store.Store, "ials-warm", CancellationToken.None))!;

        Assert.Equal((data.UserCount, data.ItemCount), (manifest.WarmStart!.SharedUsers, manifest.WarmStart.SharedItems));
        Assert.True(warm.Epochs[0].Loss < cold.Epochs[0].Loss, $"warm {warm.Epochs[0].Loss} vs cold {cold.Epochs[0].Loss}");
    }

    [Fact]
    public void Resolve_Ials_FillsItsRegularizationAndUnobservedWeight()
    {
        TrainingOptions resolved = new TrainingOptions { Kind = ModelKind.Ials }.Resolve(isExplicit: false);

        Assert.Equal((TrainingOptions.IalsRegularization, TrainingOptions.IalsUnobservedWeight), (resolved.Regularization, resolved.UnobservedWeight));
    }
}
