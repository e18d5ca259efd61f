using System.ComponentModel.DataAnnotations;
using Recommender.Core.Datasets;
using Recommender.Core.Models;
using Recommender.Core.Training;

namespace Recommender.Core.Tests.Training;

public sealed class ModelTrainerBehaviourTests
{
    [Theory]
    [InlineData(ModelKind.Softmax)]
    [InlineData(ModelKind.Bpr)]
    public async Task TrainAsync_SameSeedTwice_SameLossCurve(ModelKind kind)
    {
        CuratedDataset data = PlantedData.Implicit();
        TrainingOptions options = PlantedData.FastOptions(kind, epochs: 4);
        using var first = new TemporaryStore();
        using var second = new TemporaryStore();

        TrainingResult a = await new ModelTrainer().TrainAsync(data, options, new TrainingRun("seeded"), first.Store);
        TrainingResult b = await new ModelTrainer().TrainAsync(data, options, new TrainingRun("seeded"), second.Store);

        Assert.Equal(a.Epochs.Select(e => e.Loss), b.Epochs.Select(e => e.Loss));
        Assert.Equal(a.Factors.UserFactors, b.Factors.UserFactors);
    }

    [Fact]
    public async Task TrainAsync_OtherSeed_OtherLossCurve()
    {
        CuratedDataset data = PlantedData.Implicit();
        TrainingOptions options = PlantedData.FastOptions(ModelKind.Softmax, epochs: 2);
        using var first = new TemporaryStore();
        using var second = new TemporaryStore();

        TrainingResult a = await new ModelTrainer().TrainAsync(data, options, new TrainingRun("seeded"), first.Store);
        TrainingResult b = await new ModelTrainer().TrainAsync(data, options with { Seed = 99 }, new TrainingRun("seeded"), second.Store);

        Assert.NotEqual(a.Epochs[0].Loss, b.Epochs[0].Loss);
    }

    [Fact]
    public async Task TrainAsync_EachModel_LossGoesDown()
    {
        using var store = new TemporaryStore();
        foreach ((ModelKind kind, CuratedDataset data) in new[] { (ModelKind.Softmax, PlantedData.Implicit()), (ModelKind.Bpr, PlantedData.Implicit()), (ModelKind.MatrixFactorization, PlantedData.Explicit()) })
        {
            TrainingResult result = await new ModelTrainer().TrainAsync(data, PlantedData.FastOptions(kind, epochs: 8), new TrainingRun($"loss-{kind}"), store.Store);

            Assert.True(result.Epochs[^1].Loss < result.Epochs[0].Loss * 0.8, $"{kind}: {result.Epochs[0].Loss} -> {result.Epochs[^1].Loss}");
        }
    }

    [Fact]
    public async Task TrainAsync_SoftmaxOnExplicitRatingsZeroOrNegative_WeighsEveryRatedPairAlike()
    {
        // Strengths (√weight) are for implicit feedback; a rating scale may run below zero, and softmax must not read it.
        CuratedDataset planted = PlantedData.Explicit();
        float[] shifted = [.. planted.Train.Weights.Select(rating => rating - 3)];
        var ratings = new CuratedDataset
        {
            Version = "explicit-shifted",
            UserIds = planted.UserIds,
            ItemIds = planted.ItemIds,
            Train = new InteractionTable(planted.Train.Users, planted.Train.Items, shifted, planted.Train.Timestamps),
            Validation = planted.Validation,
            IsExplicit = true,
        };
        TrainingOptions options = PlantedData.FastOptions(ModelKind.Softmax, epochs: 3);
        using var store = new TemporaryStore();

        TrainingResult original = await new ModelTrainer().TrainAsync(planted, options, new TrainingRun("softmax-ratings"), store.Store);
        TrainingResult result = await new ModelTrainer().TrainAsync(ratings, options, new TrainingRun("softmax-shifted"), store.Store);

        Assert.Contains(shifted, rating => rating <= 0);
        Assert.Equal(original.Epochs.Select(epoch => epoch.Loss), result.Epochs.Select(epoch => epoch.Loss));
    }

    [Fact]
    public async Task TrainAsync_AbsurdLearningRate_ThrowsDivergedNamingRunEpochAndBatch()
    {
        CuratedDataset data = PlantedData.Explicit();
        TrainingOptions options = PlantedData.FastOptions(ModelKind.MatrixFactorization, epochs: 5) with { LearningRate = 1e30 };
        using var store = new TemporaryStore();

        var error = await Assert.ThrowsAsync<TrainingDivergedException>(() => new ModelTrainer().TrainAsync(data, options, new TrainingRun("diverging"), store.Store));

        Assert.Equal("diverging", error.RunId);
        Assert.True(error.Epoch >= 1 && error.Batch >= 1);
        Assert.Contains("diverging", error.Message, StringComparison.Ordinal);
        Assert.Contains($"epoch {error.Epoch}, batch {error.Batch}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TrainAsync_Diverged_RecordsStatusInModelJson()
    {
        CuratedDataset data = PlantedData.Explicit();
        TrainingOptions options = PlantedData.FastOptions(ModelKind.MatrixFactorization, epochs: 5) with { LearningRate = 1e30 };
        using var store = new TemporaryStore();

        await Assert.ThrowsAsync<TrainingDivergedException>(() => new ModelTrainer().TrainAsync(data, options, new TrainingRun("diverged"), store.Store));

        using var manifest = System.Text.Json.JsonDocument.Parse(await File.ReadAllTextAsync(store.FullPath("models/diverged/model.json")));
        Assert.Equal("Diverged", manifest.RootElement.GetProperty("status").GetString());
    }

    [Fact]
    public async Task TrainAsync_LibTorchFailsInAFit_ThrowsNamingRunEpochAndLibTorchsReasonWithoutItsBacktrace()
    {
        // Every user holds both items, so XᵀX is singular, and λ = 1e-12 vanishes next to its float32 entries.
        CuratedDataset data = TwoItemsEveryoneHolds();
        TrainingOptions options = PlantedData.FastOptions(ModelKind.Ease, epochs: 1) with { Regularization = 1e-12 };
        using var store = new TemporaryStore();

        var error = await Assert.ThrowsAsync<TrainingFailedException>(() => new ModelTrainer().TrainAsync(data, options, new TrainingRun("singular"), store.Store));

        Assert.Equal(("singular", 1, (int?)null), (error.RunId, error.Epoch, error.Batch));
        Assert.StartsWith("Training run 'singular' failed in LibTorch at epoch 1: linalg.inv:", error.Message, StringComparison.Ordinal);
        Assert.Contains("singular", error.Message[error.Message.IndexOf(':', StringComparison.Ordinal)..], StringComparison.Ordinal);
        Assert.DoesNotContain("frame #", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
        Assert.Contains("frame #", error.InnerException!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TrainAsync_CudaRequestedWithoutCuda_ThrowsClearError()
    {
        if (TorchSharp.torch.cuda.is_available())
        {
            return;
        }

        CuratedDataset data = PlantedData.Implicit();
        TrainingOptions options = PlantedData.FastOptions(ModelKind.Softmax, epochs: 1) with { Device = TrainingDevice.Cuda };
        using var store = new TemporaryStore();

        var error = await Assert.ThrowsAsync<TrainingDeviceUnavailableException>(() => new ModelTrainer().TrainAsync(data, options, new TrainingRun("cuda"), store.Store));

        Assert.Contains("Device=cuda", error.Message, StringComparison.Ordinal);
        Assert.Contains("no CUDA device", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TrainAsync_AutoDeviceWithoutCuda_TrainsOnCpuAndSaysSo()
    {
        if (TorchSharp.torch.cuda.is_available())
        {
            return;
        }

        CuratedDataset data = PlantedData.Implicit();
        TrainingOptions options = PlantedData.FastOptions(ModelKind.Softmax, epochs: 1) with { Device = TrainingDevice.Auto };
        using var store = new TemporaryStore();

        TrainingResult result = await new ModelTrainer().TrainAsync(data, options, new TrainingRun("auto"), store.Store);

        Assert.Equal("cpu", result.Device);
        Assert.True(result.FellBackToCpu);
    }

    [Fact]
    public async Task TrainAsync_MetricStopsImproving_StopsEarlyAndKeepsBestEpochWeights()
    {
        CuratedDataset data = PlantedData.Implicit();
        var validator = new ScriptedValidator(0.1, 0.5, 0.3, 0.2, 0.1, 0.05);
        TrainingOptions options = PlantedData.FastOptions(ModelKind.Softmax, epochs: 10) with { EarlyStoppingPatience = 2 };
        using var store = new TemporaryStore();

        TrainingResult result = await new ModelTrainer().TrainAsync(data, options, new TrainingRun("early"), store.Store, validator);

        Assert.Equal(TrainingStatus.EarlyStopped, result.Status);
        Assert.Equal(4, result.Epochs.Count);
        Assert.Equal(2, result.BestEpoch);
        Assert.Equal(0.5, result.BestMetric);
        Assert.Equal(validator.Seen[1].UserFactors, result.Factors.UserFactors);
        Assert.NotEqual(validator.Seen[3].UserFactors, result.Factors.UserFactors);
    }

    [Fact]
    public async Task TrainAsync_Progress_ReportsBatchesAndEpochEndsWithMetric()
    {
        CuratedDataset data = PlantedData.Implicit();
        var reports = new List<TrainingProgress>();
        using var store = new TemporaryStore();

        await new ModelTrainer().TrainAsync(data, PlantedData.FastOptions(ModelKind.Softmax, epochs: 2), new TrainingRun("progress"), store.Store, new NdcgValidator(data), new SynchronousProgress<TrainingProgress>(reports.Add));

        TrainingProgress[] ends = reports.Where(report => report.IsEpochEnd).ToArray();
        Assert.Equal([1, 2], ends.Select(report => report.Epoch));
        Assert.All(ends, report => Assert.NotNull(report.Metric));
        Assert.Contains(reports, report => !report.IsEpochEnd && report.Batch > 0 && report.Batches == ends[0].Batches);
    }

    [Fact]
    public async Task TrainAsync_MatrixFactorizationOnImplicitData_ThrowsNamingDataset()
    {
        CuratedDataset data = PlantedData.Implicit();
        using var store = new TemporaryStore();

        var error = await Assert.ThrowsAsync<ArgumentException>(() => new ModelTrainer().TrainAsync(data, PlantedData.FastOptions(ModelKind.MatrixFactorization, epochs: 1), new TrainingRun("mf-implicit"), store.Store));

        Assert.Contains("planted-implicit", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TrainAsync_InvalidOption_ThrowsValidationNamingIt()
    {
        CuratedDataset data = PlantedData.Implicit();
        using var store = new TemporaryStore();
        var options = new TrainingOptions { Dimension = 0 };

        var error = await Assert.ThrowsAsync<ValidationException>(() => new ModelTrainer().TrainAsync(data, options, new TrainingRun("invalid"), store.Store));

        Assert.Contains(nameof(TrainingOptions.Dimension), error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("../escape")]
    [InlineData("a/b")]
    public async Task TrainAsync_RunIdThatIsNotAPathSegment_Throws(string runId)
    {
        CuratedDataset data = PlantedData.Implicit();
        using var store = new TemporaryStore();

        await Assert.ThrowsAnyAsync<ArgumentException>(() => new ModelTrainer().TrainAsync(data, PlantedData.FastOptions(ModelKind.Softmax, epochs: 1), new TrainingRun(runId), store.Store));
    }

    private static CuratedDataset TwoItemsEveryoneHolds() => new()
    {
        Version = "two-items",
        UserIds = ["u0", "u1", "u2", "u3"],
        ItemIds = ["i0", "i1"],
        Train = new InteractionTable([0, 0, 1, 1, 2, 2, 3, 3], [0, 1, 0, 1, 0, 1, 0, 1], [1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f], new long[8]),
        Validation = new InteractionTable([], [], [], []),
    };
}
