using Recommender.Core.Datasets;
using Recommender.Core.Evaluation;
using Recommender.Core.Models;

namespace Recommender.Core.Tests.Evaluation;

public sealed class RatingEvaluatorTests
{
    [Fact]
    public void Evaluate_HandComputedPairs_ReturnsRmseAndMae()
    {
        float[] actual = [3, 5, 1];
        float[] predicted = [4, 5, 3];

        var metrics = RatingEvaluator.Evaluate(actual, predicted);

        Assert.Equal(3, metrics.Count);
        Assert.Equal(Math.Sqrt(5.0 / 3), metrics.Rmse, 1e-12);
        Assert.Equal(1.0, metrics.Mae, 1e-12);
    }

    [Fact]
    public void Evaluate_NoPairs_ReturnsNaN()
    {
        var metrics = RatingEvaluator.Evaluate([], []);

        Assert.Equal(0, metrics.Count);
        Assert.True(double.IsNaN(metrics.Rmse));
    }

    [Fact]
    public void Evaluate_Factors_PredictsTheDotProductIncludingBiasColumns()
    {
        // Dimension 3: two latent columns plus a bias column (user side 1, item side the bias).
        var factors = new FactorSnapshot([1, 2, 1, 0, 1, 1], [2, 0, 0.5f, 1, 1, -1], UserCount: 2, ItemCount: 2, Dimension: 3);
        var truth = new InteractionTable([0, 1, 0], [0, 1, 1], [3, 0, 2], new long[3]);

        var metrics = RatingEvaluator.Evaluate(factors, truth);

        // Predictions: u0.i0 = 2.5, u1.i1 = 0, u0.i1 = 2; errors -0.5, 0, 0.
        Assert.Equal(Math.Sqrt(0.25 / 3), metrics.Rmse, 1e-6);
        Assert.Equal(0.5 / 3, metrics.Mae, 1e-6);
    }
}
