using Recommender.Core.Datasets;
using Recommender.Core.Models;
using Recommender.Core.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Recommender.Core.Tests.Training;

public sealed class WarmStartTests
{
    [Fact]
    public void Apply_SharedIds_CopiesTheirRowsAndLeavesNewOnesAlone()
    {
        using var generator = new Generator(1, torch.CPU);
        using EmbeddingModel source = ModelFactory.Create(new ModelShape(ModelKind.Bpr, 3, 4, 5), ModelLossSettings.ForScoring);
        source.InitializeParameters(generator, 1.0);
        using EmbeddingModel target = ModelFactory.Create(new ModelShape(ModelKind.Bpr, 3, 2, 5), ModelLossSettings.ForScoring);
        target.InitializeParameters(generator, 1.0);
        float[] newUserBefore = Row(target, "user_factors.weight", 1);

        (int sharedUsers, int sharedItems) = WarmStart.Apply(target, ["b", "new", "a"], ["i3", "i9"], source, ["a", "b", "c"], ["i0", "i1", "i2", "i3"]);

        Assert.Equal((2, 1), (sharedUsers, sharedItems));
        Assert.Equal(Row(source, "user_factors.weight", 1), Row(target, "user_factors.weight", 0));
        Assert.Equal(Row(source, "user_factors.weight", 0), Row(target, "user_factors.weight", 2));
        Assert.Equal(newUserBefore, Row(target, "user_factors.weight", 1));
        Assert.Equal(Row(source, "item_factors.weight", 3), Row(target, "item_factors.weight", 0));
        Assert.Equal(Row(source, "item_bias.weight", 3), Row(target, "item_bias.weight", 0));
    }

    [Fact]
    public void Apply_OtherDimension_LeavesEmbeddingsAlone()
    {
        using var generator = new Generator(2, torch.CPU);
        using EmbeddingModel source = ModelFactory.Create(new ModelShape(ModelKind.Softmax, 2, 2, 4), ModelLossSettings.ForScoring);
        source.InitializeParameters(generator, 1.0);
        using EmbeddingModel target = ModelFactory.Create(new ModelShape(ModelKind.Softmax, 2, 2, 8), ModelLossSettings.ForScoring);
        target.InitializeParameters(generator, 1.0);
        float[] before = Row(target, "user_factors.weight", 0);

        WarmStart.Apply(target, ["a", "b"], ["x", "y"], source, ["a", "b"], ["x", "y"]);

        Assert.Equal(before, Row(target, "user_factors.weight", 0));
    }

    [Fact]
    public async Task TrainAsync_WarmStartFromFinishedRun_RecordsSharedIdsAndStartsAhead()
    {
        CuratedDataset data = PlantedData.Implicit();
        using var store = new TemporaryStore();
        await new ModelTrainer().TrainAsync(data, PlantedData.FastOptions(ModelKind.Softmax, epochs: 20), new TrainingRun("previous"), store.Store);
        string[] userIds = data.UserIds.Select((id, index) => index < 10 ? $"new-{index}" : id).ToArray();
        CuratedDataset next = PlantedData.WithIds(data, userIds, data.ItemIds, "planted-next");
        TrainingOptions options = PlantedData.FastOptions(ModelKind.Softmax, epochs: 1);

        TrainingResult cold = await new ModelTrainer().TrainAsync(next, options, new TrainingRun("cold"), store.Store);
        TrainingResult warm = await new ModelTrainer().TrainAsync(next, options, new TrainingRun("warm", WarmStartRunId: "previous"), store.Store);

        TrainedModel loaded = await TrainedModel.LoadAsync(store.Store, "warm");
        Assert.Equal(new WarmStartRecord("previous", 20, data.UserCount - 10, data.ItemCount), loaded.Manifest.WarmStart);
        Assert.True(warm.Epochs[0].Loss < cold.Epochs[0].Loss * 0.9, $"warm {warm.Epochs[0].Loss} vs cold {cold.Epochs[0].Loss}");
    }

    private static float[] Row(EmbeddingModel model, string name, int row) =>
        model.state_dict()[name][row].data<float>().ToArray();
}
