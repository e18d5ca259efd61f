using Recommender.Core.Datasets;
using Recommender.Core.Models;
using Recommender.Core.Training;

namespace Recommender.Core.Tests.Training;

public sealed class ModelTrainerQualityTests
{
    [Theory]
    [InlineData(ModelKind.Softmax)]
    [InlineData(ModelKind.Bpr)]
    [InlineData(ModelKind.Ease)]
    [InlineData(ModelKind.Ials)]
    public async Task TrainAsync_PlantedClusters_ImplicitModelBeatsPopularityClearly(ModelKind kind)
    {
        CuratedDataset data = PlantedData.Implicit();
        var validator = new NdcgValidator(data);
        using var store = new TemporaryStore();

        TrainingResult result = await new ModelTrainer().TrainAsync(data, PlantedData.FastOptions(kind, epochs: 25), new TrainingRun($"planted-{kind}"), store.Store, validator);

        double popularity = validator.PopularityNdcg();
        double model = validator.Validate(result.Factors).Value;
        Assert.True(model > popularity + 0.3, $"{kind} ndcg@5 {model:F3} vs popularity {popularity:F3}");
    }

    [Fact]
    public async Task TrainAsync_PlantedClustersWithSampledSoftmax_BeatsPopularityClearly()
    {
        CuratedDataset data = PlantedData.Implicit();
        var validator = new NdcgValidator(data);
        TrainingOptions options = PlantedData.FastOptions(ModelKind.Softmax, epochs: 25) with { FullSoftmaxMaxItems = 10, SampledNegatives = 16 };
        using var store = new TemporaryStore();

        TrainingResult result = await new ModelTrainer().TrainAsync(data, options, new TrainingRun("planted-sampled"), store.Store, validator);

        double popularity = validator.PopularityNdcg();
        double model = validator.Validate(result.Factors).Value;
        Assert.True(model > popularity + 0.3, $"sampled softmax ndcg@5 {model:F3} vs popularity {popularity:F3}");
    }

    [Fact]
    public async Task TrainAsync_PlantedRatings_MatrixFactorizationRmseWellBelowMeanPredictor()
    {
        CuratedDataset data = PlantedData.Explicit();
        var validator = new RmseValidator(data);
        TrainingOptions options = PlantedData.FastOptions(ModelKind.MatrixFactorization, epochs: 40);
        using var store = new TemporaryStore();

        TrainingResult result = await new ModelTrainer().TrainAsync(data, options, new TrainingRun("planted-mf"), store.Store, validator);

        double mean = validator.MeanPredictorRmse();
        double model = validator.Validate(result.Factors).Value;
        Assert.True(model < mean * 0.5, $"mf rmse {model:F3} vs mean predictor {mean:F3}");
    }
}
