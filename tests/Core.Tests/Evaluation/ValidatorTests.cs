using Recommender.Core.Datasets;
using Recommender.Core.Evaluation;
using Recommender.Core.Models;
using Recommender.Core.Training;

namespace Recommender.Core.Tests.Evaluation;

public sealed class ValidatorTests
{
    [Fact]
    public void RankingValidator_HandMadeFactors_ReturnsNdcgOfTheTopKWithTrainItemsExcluded()
    {
        // One latent column: item scores equal item factors, so the ranking is items 3, 2, 1, 0.
        // Train holds item 3, so the top 2 is [2, 1]; validation holds item 1 (rank 2).
        var dataset = Dataset(train: ([0], [3]), validation: ([0], [1]), users: 1, items: 4);
        var validator = new RankingValidator(dataset, k: 2);
        var factors = new FactorSnapshot([1f], [0f, 1f, 2f, 3f], 1, 4, 1);

        var result = validator.Validate(factors);

        Assert.Equal("ndcg@2", validator.MetricName);
        Assert.True(validator.HigherIsBetter);
        Assert.Equal(1 / Math.Log2(3), result.Value, 1e-9);
        Assert.Equal(0.5, result.Metrics["precision@2"], 1e-9);
    }

    [Fact]
    public void RankingValidator_FactorsForAnotherDataset_ThrowsNamingTheDataset()
    {
        var dataset = Dataset(train: ([0], [0]), validation: ([0], [1]), users: 1, items: 2);
        var validator = new RankingValidator(dataset);
        var factors = new FactorSnapshot([1f], [1f, 2f, 3f], 1, 3, 1);

        var error = Assert.Throws<ArgumentException>(() => validator.Validate(factors));

        Assert.Contains("ds-test", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RankingValidator_NaNFactors_ThrowsInsteadOfScoringZero()
    {
        var dataset = Dataset(train: ([0], [0]), validation: ([0], [1]), users: 1, items: 2);
        var validator = new RankingValidator(dataset);
        var factors = new FactorSnapshot([float.NaN], [1f, 2f], 1, 2, 1);

        Assert.Throws<ArgumentException>(() => validator.Validate(factors));
    }

    [Fact]
    public void RatingValidator_HandMadeFactors_ReturnsRmseOfDotProducts()
    {
        var dataset = Dataset(train: ([0], [0]), validation: ([0, 1], [1, 0]), users: 2, items: 2, weights: [4f, 1f]);
        var validator = new RatingValidator(dataset);
        var factors = new FactorSnapshot([1f, 1f, 2f, 1f], [1f, 0f, 3f, 0.5f], 2, 2, 2);

        var result = validator.Validate(factors);

        // u0.i1 = 3.5 (error -0.5), u1.i0 = 2 (error 1).
        Assert.Equal("rmse", validator.MetricName);
        Assert.False(validator.HigherIsBetter);
        Assert.Equal(Math.Sqrt(1.25 / 2), result.Value, 1e-6);
        Assert.Equal(0.75, result.Metrics["mae"], 1e-6);
    }

    [Fact]
    public void RatingValidator_DatasetWithoutValidation_Throws()
    {
        var dataset = Dataset(train: ([0], [0]), validation: ([], []), users: 1, items: 1);

        Assert.Throws<ArgumentException>(() => new RatingValidator(dataset));
    }

    [Theory]
    [InlineData(ModelKind.MatrixFactorization, true, "rmse")]
    [InlineData(ModelKind.Auto, true, "rmse")]
    [InlineData(ModelKind.Bpr, true, "ndcg@10")]
    [InlineData(ModelKind.Softmax, true, "ndcg@10")]
    [InlineData(ModelKind.Bpr, false, "ndcg@10")]
    [InlineData(ModelKind.Auto, false, "ndcg@10")]
    public void TrainingValidatorsFor_ModelKindAndFeedback_MeasuresWhatTheModelIsTrainedFor(ModelKind kind, bool isExplicit, string metric)
    {
        CuratedDataset dataset = Dataset(train: ([0], [0]), validation: ([0], [1]), users: 1, items: 2, weights: [4f], isExplicit: isExplicit);

        ITrainingValidator validator = TrainingValidators.For(dataset, kind, 10);

        Assert.Equal(metric, validator.MetricName);
    }

    private static CuratedDataset Dataset((int[] Users, int[] Items) train, (int[] Users, int[] Items) validation, int users, int items, float[]? weights = null, bool isExplicit = false) =>
        new()
        {
            Version = "ds-test",
            UserIds = Enumerable.Range(0, users).Select(user => $"u{user}").ToArray(),
            ItemIds = Enumerable.Range(0, items).Select(item => $"i{item}").ToArray(),
            Train = new InteractionTable(train.Users, train.Items, new float[train.Users.Length], new long[train.Users.Length]),
            Validation = new InteractionTable(validation.Users, validation.Items, weights ?? new float[validation.Users.Length], new long[validation.Users.Length]),
            IsExplicit = isExplicit,
        };
}
