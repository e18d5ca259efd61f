using Recommender.Core.Datasets;
using Recommender.Core.Models;
using Recommender.Core.Tests.Training;
using Recommender.Core.Training;

namespace Recommender.Core.Tests.Models;

/// <summary>EASE: the closed form, its λ grid walked by epochs, and its checkpoints.</summary>
public sealed class EaseModelTests
{
    [Theory]
    [InlineData(15)] // more users than items: the item-by-item inverse
    [InlineData(3)] // fewer users than items: the users-by-users system
    public async Task TrainAsync_EveryEpoch_SolvesTheConstrainedRidgeRegressionExactly(int usersPerCluster)
    {
        CuratedDataset data = PlantedData.Implicit(usersPerCluster: usersPerCluster);
        using var store = new TemporaryStore();
        TrainingOptions options = new() { Kind = ModelKind.Ease, Epochs = 3, Regularization = 10, EarlyStoppingPatience = 0, Device = TrainingDevice.Cpu };

        TrainingResult result = await new ModelTrainer().TrainAsync(data, options, new TrainingRun("ease-exact"), store.Store);

        // The last epoch fitted λ = 10·2² on X (users × items, 1 where a user has a training interaction).
        double lambda = EaseModel.RegularizationOfEpoch(10, 3);
        int items = data.ItemCount;
        double[,] gram = Gram(data);
        FactorSnapshot factors = result.Factors;
        Assert.Equal(items, factors.Dimension);
        // B's column j is item j's row; optimality of min ‖X − XB‖² + λ‖B‖² with B_jj = 0 means
        // ((XᵀX + λI)·B − XᵀX) has zeros off the diagonal, and B's diagonal is zero.
        for (int j = 0; j < items; j++)
        {
            Assert.Equal(0f, factors.ItemFactors[(j * items) + j]);
            for (int i = 0; i < items; i++)
            {
                if (i == j)
                {
                    continue;
                }

                double residual = -gram[i, j];
                for (int m = 0; m < items; m++)
                {
                    residual += (gram[i, m] + (i == m ? lambda : 0)) * factors.ItemFactors[(j * items) + m];
                }

                Assert.True(Math.Abs(residual) < 1e-3 * (1 + Math.Abs(gram[i, j])), $"residual {residual} at ({i}, {j})");
            }
        }

        // The reported loss is the objective per user: ‖X − XB‖² over the users, plus λ‖B‖² spread over them.
        double reconstruction = 0;
        double squaredNorm = factors.ItemFactors.Sum(weight => (double)weight * weight);
        for (int user = 0; user < data.UserCount; user++)
        {
            for (int j = 0; j < items; j++)
            {
                double predicted = 0;
                for (int m = 0; m < items; m++)
                {
                    predicted += factors.UserFactors[(user * items) + m] * factors.ItemFactors[(j * items) + m];
                }

                reconstruction += Math.Pow(factors.UserFactors[(user * items) + j] - predicted, 2);
            }
        }

        double objective = (reconstruction + (lambda * squaredNorm)) / data.UserCount;
        Assert.Equal(objective, result.Epochs[^1].Loss, objective * 1e-4);
    }

    [Fact]
    public async Task TrainAsync_ValidatedGrid_BestEpochsFactorsAreWhatTheRunLoads()
    {
        CuratedDataset data = PlantedData.Implicit();
        using var store = new TemporaryStore();
        var validator = new NdcgValidator(data);
        TrainingOptions options = new() { Kind = ModelKind.Ease, Epochs = 8, Regularization = 1, Device = TrainingDevice.Cpu };

        TrainingResult result = await new ModelTrainer().TrainAsync(data, options, new TrainingRun("ease-grid"), store.Store, validator);
        TrainedModel loaded = await TrainedModel.LoadAsync(store.Store, "ease-grid");

        Assert.InRange(result.BestEpoch, 1, 8);
        Assert.Equal(result.Factors.ItemFactors, loaded.Factors.ItemFactors);
        Assert.Equal(result.Factors.UserFactors, loaded.Factors.UserFactors);
        Assert.Equal(ModelKind.Ease, loaded.Manifest.Kind);
        Assert.Equal(data.ItemCount, loaded.Manifest.Dimension);
    }

    [Fact]
    public async Task TrainAsync_CatalogOverTheCap_IsRefusedNamingTheSetting()
    {
        CuratedDataset data = PlantedData.Implicit();
        using var store = new TemporaryStore();
        TrainingOptions options = new() { Kind = ModelKind.Ease, EaseMaxItems = data.ItemCount - 1, Device = TrainingDevice.Cpu };

        var error = await Assert.ThrowsAsync<ArgumentException>(() => new ModelTrainer().TrainAsync(data, options, new TrainingRun("ease-too-big"), store.Store));

        Assert.Contains("EaseMaxItems", error.Message, StringComparison.Ordinal);
    }

    private static double[,] Gram(CuratedDataset data)
    {
        var rows = new HashSet<int>[data.UserCount];
        for (int u = 0; u < rows.Length; u++)
        {
            rows[u] = [];
        }

        for (int r = 0; r < data.Train.Count; r++)
        {
            rows[data.Train.Users[r]].Add(data.Train.Items[r]);
        }

        var gram = new double[data.ItemCount, data.ItemCount];
        foreach (HashSet<int> row in rows)
        {
            foreach (int a in row)
            {
                foreach (int b in row)
                {
                    gram[a, b]++;
                }
            }
        }

        return gram;
    }
}
