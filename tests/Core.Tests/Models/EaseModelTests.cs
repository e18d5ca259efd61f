using Recommender.Core.Datasets;
using Recommender.Core.Models;
using Recommender.Core.Tests.Training;
using Recommender.Core.Training;

namespace Recommender.Core.Tests.Models;

/// <summary>EASE: the closed form, its λ grid walked by epochs, and its checkpoints.</summary>
public sealed class EaseModelTests
{
    [Theory]
    [InlineData(15, false)] // more users than items: the item-by-item inverse
    [InlineData(3, false)] // fewer users than items: the users-by-users system
    [InlineData(15, true)]
    [InlineData(3, true)]
    public async Task TrainAsync_EveryEpoch_SolvesTheConstrainedRidgeRegressionExactly(int usersPerCluster, bool weighted)
    {
        CuratedDataset planted = PlantedData.Implicit(usersPerCluster: usersPerCluster);
        CuratedDataset data = weighted ? WithTrainWeights(planted, row => 1 + (row % 4)) : planted;
        using var store = new TemporaryStore();
        TrainingOptions options = new() { Kind = ModelKind.Ease, Epochs = 3, Regularization = 10, EarlyStoppingPatience = 0, Device = TrainingDevice.Cpu };

        TrainingResult result = await new ModelTrainer().TrainAsync(data, options, new TrainingRun("ease-exact"), store.Store);

        // The last epoch fitted λ = 10·2² on X (users × items, √(weight / mean weight) where a user has a training interaction).
        double lambda = EaseModel.RegularizationOfEpoch(10, 3);
        int items = data.ItemCount;
        double[,] gram = Gram(data);
        FactorSnapshot factors = result.Factors;
        Assert.Equal(items, factors.Dimension);
        double meanWeight = data.Train.Weights.Average(weight => (double)weight);
        for (int row = 0; row < data.Train.Count; row++)
        {
            float entry = factors.UserFactors[(data.Train.Users[row] * items) + data.Train.Items[row]];
            Assert.Equal(Math.Sqrt(data.Train.Weights[row] / meanWeight), entry, 1e-5);
        }

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

    [Theory]
    [InlineData(1f, 0)]
    [InlineData(9f, 1)]
    [InlineData(1f / 9, -1)]
    public async Task TrainAsync_StrongerInteraction_CountsMoreInTheUsersScores(float weightOfA, int expectedSign)
    {
        // Ten users have {A, C}, ten {B, D}; the last user has {A, B}. With equal weights C and D tie for that user;
        // a stronger A favours A's neighbour C, a weaker A favours D.
        const int A = 0, B = 1, C = 2, D = 3;
        var users = new List<int>();
        var items = new List<int>();
        var weights = new List<float>();
        void Add(int user, int item, float weight)
        {
            users.Add(user);
            items.Add(item);
            weights.Add(weight);
        }

        for (int user = 0; user < 10; user++)
        {
            Add(user, A, 1);
            Add(user, C, 1);
            Add(user + 10, B, 1);
            Add(user + 10, D, 1);
        }

        Add(20, A, weightOfA);
        Add(20, B, 1);
        var data = new CuratedDataset
        {
            Version = "ease-strength",
            UserIds = [.. Enumerable.Range(0, 21).Select(user => $"u{user}")],
            ItemIds = ["A", "B", "C", "D"],
            Train = new InteractionTable([.. users], [.. items], [.. weights], new long[users.Count]),
            Validation = InteractionTable.Empty,
        };
        using var store = new TemporaryStore();
        TrainingOptions options = new() { Kind = ModelKind.Ease, Epochs = 1, Regularization = 1, EarlyStoppingPatience = 0, Device = TrainingDevice.Cpu };

        FactorSnapshot factors = (await new ModelTrainer().TrainAsync(data, options, new TrainingRun("ease-strength"), store.Store)).Factors;

        double lead = Score(factors, 20, C) - Score(factors, 20, D);
        Assert.Equal(expectedSign, Math.Abs(lead) < 1e-6 ? 0 : Math.Sign(lead));
    }

    [Theory]
    [InlineData(0.01f)]
    [InlineData(1e6f)]
    public async Task TrainAsync_EveryWeightTheSame_FitsTheBinaryModelWhateverTheScale(float weight)
    {
        // Strengths are relative to the mean weight, so λ means the same for a log of ratings, counts or scores.
        CuratedDataset planted = PlantedData.Implicit();
        using var store = new TemporaryStore();
        TrainingOptions options = new() { Kind = ModelKind.Ease, Epochs = 2, Regularization = 10, EarlyStoppingPatience = 0, Device = TrainingDevice.Cpu };

        FactorSnapshot binary = (await new ModelTrainer().TrainAsync(planted, options, new TrainingRun("ease-ones"), store.Store)).Factors;
        FactorSnapshot scaled = (await new ModelTrainer().TrainAsync(WithTrainWeights(planted, _ => weight), options, new TrainingRun("ease-scaled"), store.Store)).Factors;

        Assert.Equal(binary.UserFactors, scaled.UserFactors);
        for (int value = 0; value < binary.ItemFactors.Length; value++)
        {
            Assert.Equal(binary.ItemFactors[value], scaled.ItemFactors[value], 1e-5f);
        }
    }

    [Fact]
    public async Task TrainAsync_ExplicitRatingsZeroOrNegative_FitsOnTheBinaryX()
    {
        // Explicit ratings are not strengths (a scale may run from -2 to 2): every rated pair enters X as 1.
        CuratedDataset planted = PlantedData.Implicit();
        CuratedDataset ratings = WithTrainWeights(planted, row => (row % 5) - 2, isExplicit: true);
        using var store = new TemporaryStore();
        TrainingOptions options = new() { Kind = ModelKind.Ease, Epochs = 2, Regularization = 10, EarlyStoppingPatience = 0, Device = TrainingDevice.Cpu };

        FactorSnapshot binary = (await new ModelTrainer().TrainAsync(planted, options, new TrainingRun("ease-implicit"), store.Store)).Factors;
        FactorSnapshot rated = (await new ModelTrainer().TrainAsync(ratings, options, new TrainingRun("ease-explicit"), store.Store)).Factors;

        Assert.Equal(binary.UserFactors, rated.UserFactors);
        Assert.All(rated.ItemFactors, value => Assert.True(float.IsFinite(value)));
    }

    [Theory]
    [InlineData(1_000, 9_296, 2_500)] // measured 2.5 GB
    [InlineData(20_000, 3_000, 2_000)] // measured 2.0 GB
    public void FitBytes_MeasuredRuns_EstimatedWithinAFifth(int users, int items, double measuredMB)
    {
        Assert.InRange(EaseMemory.FitBytes(users, items) / 1e6, measuredMB * 0.8, measuredMB * 1.2);
    }

    [Fact]
    public void Candidates_EaseOverTheMemoryLimit_LeftOutWhateverTheCatalog()
    {
        // 20,000 users × 3,000 items fits the item cap, but not 1,200 MB (it takes about 2 GB).
        TrainingOptions options = new() { EaseMaxMemoryMB = 1_200 };

        Assert.DoesNotContain("ease", ModelCandidates.For(options, 20_000, 3_000).Select(candidate => candidate.Name));
        Assert.Contains("ease", ModelCandidates.For(options, 1_000, 3_000).Select(candidate => candidate.Name));
        Assert.Contains("ease", ModelCandidates.For(new TrainingOptions(), 20_000, 3_000).Select(candidate => candidate.Name));
    }

    [Fact]
    public async Task TrainAsync_OverTheMemoryLimit_IsRefusedWithTheEstimate()
    {
        CuratedDataset data = PlantedData.Implicit();
        using var store = new TemporaryStore();
        TrainingOptions options = new() { Kind = ModelKind.Ease, EaseMaxMemoryMB = 1, Device = TrainingDevice.Cpu };

        var error = await Assert.ThrowsAsync<ArgumentException>(() => new ModelTrainer().TrainAsync(data, options, new TrainingRun("ease-memory"), store.Store));

        Assert.Contains("more than EaseMaxMemoryMB (1 MB)", error.Message, StringComparison.Ordinal);
        Assert.Contains("would take about 0.7 GB", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(-1f)]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public async Task TrainAsync_WeightEaseCannotTakeTheRootOf_IsRefusedNamingTheRow(float weight)
    {
        CuratedDataset data = WithTrainWeights(PlantedData.Implicit(), row => row == 5 ? weight : 1);
        using var store = new TemporaryStore();
        TrainingOptions options = new() { Kind = ModelKind.Ease, Device = TrainingDevice.Cpu };

        var error = await Assert.ThrowsAsync<ArgumentException>(() => new ModelTrainer().TrainAsync(data, options, new TrainingRun("ease-bad-weight"), store.Store));

        Assert.Contains("training row 5", error.Message, StringComparison.Ordinal);
        Assert.Contains("positive finite", error.Message, StringComparison.Ordinal);
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

    private static CuratedDataset WithTrainWeights(CuratedDataset data, Func<int, float> weight, bool isExplicit = false)
    {
        InteractionTable train = data.Train;
        float[] weights = [.. Enumerable.Range(0, train.Count).Select(weight)];
        return new CuratedDataset
        {
            Version = data.Version + "-weighted",
            UserIds = data.UserIds,
            ItemIds = data.ItemIds,
            Train = new InteractionTable(train.Users, train.Items, weights, train.Timestamps),
            Validation = data.Validation,
            IsExplicit = isExplicit || data.IsExplicit,
        };
    }

    /// <summary>XᵀX with X[u,i] = √(weight / mean weight) of the pair (u, i).</summary>
    private static double[,] Gram(CuratedDataset data)
    {
        double meanWeight = data.Train.Weights.Average(weight => (double)weight);
        var rows = new Dictionary<int, double>[data.UserCount];
        for (int u = 0; u < rows.Length; u++)
        {
            rows[u] = [];
        }

        for (int r = 0; r < data.Train.Count; r++)
        {
            rows[data.Train.Users[r]][data.Train.Items[r]] = Math.Sqrt(data.Train.Weights[r] / meanWeight);
        }

        var gram = new double[data.ItemCount, data.ItemCount];
        foreach (Dictionary<int, double> row in rows)
        {
            foreach ((int a, double x) in row)
            {
                foreach ((int b, double y) in row)
                {
                    gram[a, b] += x * y;
                }
            }
        }

        return gram;
    }
}
