using System.ComponentModel.DataAnnotations;
using Recommender.Core.Models;
using Recommender.Core.Training;

namespace Recommender.Core.Tests.Training;

public sealed class TrainingOptionsTests
{
    [Fact]
    public void Validate_Defaults_Pass()
    {
        new TrainingOptions().Validate();
    }

    [Theory]
    [InlineData(nameof(TrainingOptions.Dimension))]
    [InlineData(nameof(TrainingOptions.BatchSize))]
    [InlineData(nameof(TrainingOptions.LearningRate))]
    [InlineData(nameof(TrainingOptions.Device))]
    [InlineData(nameof(TrainingOptions.Regularization))]
    public void Validate_OutOfRange_ThrowsNamingTheOption(string option)
    {
        TrainingOptions options = option switch
        {
            nameof(TrainingOptions.Regularization) => new TrainingOptions { Kind = ModelKind.Ease, Regularization = 0 },
            nameof(TrainingOptions.Dimension) => new TrainingOptions { Dimension = 0 },
            nameof(TrainingOptions.BatchSize) => new TrainingOptions { BatchSize = -1 },
            nameof(TrainingOptions.LearningRate) => new TrainingOptions { LearningRate = 0 },
            _ => new TrainingOptions { Device = (TrainingDevice)42 },
        };

        var error = Assert.Throws<ValidationException>(options.Validate);

        Assert.Contains(option, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false, ModelKind.Softmax, 0.01, 0.05)]
    [InlineData(true, ModelKind.MatrixFactorization, 0.002, 0.05)]
    public void Resolve_Auto_PicksKindAndItsDefaults(bool isExplicit, ModelKind kind, double learningRate, double regularization)
    {
        TrainingOptions resolved = new TrainingOptions().Resolve(isExplicit);

        Assert.Equal((kind, learningRate, regularization), (resolved.Kind, resolved.LearningRate, resolved.Regularization));
    }

    [Fact]
    public void Resolve_BprWithoutOverrides_UsesBprDefaults()
    {
        TrainingOptions resolved = new TrainingOptions { Kind = ModelKind.Bpr }.Resolve(isExplicit: false);

        Assert.Equal((0.005, 0.005), (resolved.LearningRate, resolved.Regularization));
    }

    [Theory]
    [InlineData(ModelKind.Bpr, 60, 15)]
    [InlineData(ModelKind.Softmax, 30, 3)]
    [InlineData(ModelKind.MatrixFactorization, 30, 3)]
    public void Resolve_KindWithoutEpochsOrPatience_UsesTheKindsSchedule(ModelKind kind, int epochs, int patience)
    {
        TrainingOptions resolved = new TrainingOptions { Kind = kind }.Resolve(isExplicit: kind == ModelKind.MatrixFactorization);

        Assert.Equal((epochs, patience), (resolved.Epochs, resolved.EarlyStoppingPatience));
    }

    [Theory]
    [InlineData(ModelKind.Softmax, 2048)]
    [InlineData(ModelKind.Bpr, 1024)]
    [InlineData(ModelKind.MatrixFactorization, 1024)]
    public void Resolve_KindWithoutBatchSize_UsesTheKindsBatchSize(ModelKind kind, int batchSize)
    {
        TrainingOptions resolved = new TrainingOptions { Kind = kind }.Resolve(isExplicit: kind == ModelKind.MatrixFactorization);

        Assert.Equal(batchSize, resolved.BatchSize);
    }

    [Fact]
    public void Resolve_ExplicitValues_AreKept()
    {
        TrainingOptions resolved = new TrainingOptions { Kind = ModelKind.Softmax, LearningRate = 0.1, Regularization = 0, Epochs = 7, EarlyStoppingPatience = 0, BatchSize = 100 }.Resolve(isExplicit: false);

        Assert.Equal((0.1, 0.0, 7, 0, 100), (resolved.LearningRate, resolved.Regularization, resolved.Epochs, resolved.EarlyStoppingPatience, resolved.BatchSize));
    }
}
