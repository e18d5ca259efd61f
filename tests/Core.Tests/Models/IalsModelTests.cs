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

    [Theory]
    [InlineData(false)]
    [InlineData(true)] // the observed terms weighted by the pairs' strengths
    public async Task TrainAsync_EverySweep_LowersTheObjective(bool weighted)
    {
        CuratedDataset planted = PlantedData.Implicit();
        CuratedDataset data = weighted ? WithTrainWeights(planted, row => 1 + (row % 5)) : planted;
        using var store = new TemporaryStore();

        TrainingResult result = await new ModelTrainer().TrainAsync(data, Options, new TrainingRun("ials-descent"), store.Store);

        double[] losses = result.Epochs.Select(epoch => epoch.Loss).ToArray();
        Assert.Equal(8, losses.Length);
        Assert.All(losses.Zip(losses.Skip(1)), pair => Assert.True(pair.Second <= pair.First + 1e-6, $"objective rose from {pair.First} to {pair.Second}"));
        Assert.True(losses[^1] < losses[0] * 0.9, $"objective {losses[0]} → {losses[^1]}");
    }

    [Fact]
    public async Task TrainAsync_EveryWeightTheSame_TrainsTheUnweightedModelWhateverTheScale()
    {
        CuratedDataset planted = PlantedData.Implicit();
        using var store = new TemporaryStore();

        TrainingResult ones = await new ModelTrainer().TrainAsync(planted, Options, new TrainingRun("ials-ones"), store.Store);
        TrainingResult scaled = await new ModelTrainer().TrainAsync(WithTrainWeights(planted, _ => 250f), Options, new TrainingRun("ials-scaled"), store.Store);

        Assert.Equal(ones.Epochs.Select(epoch => epoch.Loss), scaled.Epochs.Select(epoch => epoch.Loss));
        Assert.Equal(ones.Factors.ItemFactors, scaled.Factors.ItemFactors);
    }

    [Fact]
    public async Task TrainAsync_StrongerPair_IsFittedCloserToOne()
    {
        // Weighted least squares: a pair with more weight pulls its prediction towards its target of 1 harder.
        CuratedDataset planted = PlantedData.Implicit();
        (int user, int item) = (planted.Train.Users[0], planted.Train.Items[0]);
        using var store = new TemporaryStore();

        FactorSnapshot alike = (await new ModelTrainer().TrainAsync(planted, Options, new TrainingRun("ials-alike"), store.Store)).Factors;
        FactorSnapshot stronger = (await new ModelTrainer().TrainAsync(WithTrainWeights(planted, row => row == 0 ? 25f : 1f), Options, new TrainingRun("ials-stronger"), store.Store)).Factors;

        Assert.True(Math.Abs(1 - Score(stronger, user, item)) < Math.Abs(1 - Score(alike, user, item)), $"{Score(stronger, user, item)} vs {Score(alike, user, item)}");
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

    private static double Score(FactorSnapshot factors, int user, int item)
    {
        double score = 0;
        for (int column = 0; column < factors.Dimension; column++)
        {
            score += factors.UserFactors[(user * factors.Dimension) + column] * factors.ItemFactors[(item * factors.Dimension) + column];
        }

        return score;
    }

    private static CuratedDataset WithTrainWeights(CuratedDataset data, Func<int, float> weight) => new()
    {
        Version = data.Version + "-weighted",
        UserIds = data.UserIds,
        ItemIds = data.ItemIds,
        Train = new InteractionTable(data.Train.Users, data.Train.Items, [.. Enumerable.Range(0, data.Train.Count).Select(weight)], data.Train.Timestamps),
        Validation = data.Validation,
    };
}
