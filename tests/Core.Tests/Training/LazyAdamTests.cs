using Recommender.Core.Models;
using Recommender.Core.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Recommender.Core.Tests.Training;

public sealed class LazyAdamTests
{
    private const int Users = 6;
    private const int Items = 5;
    private const int Dimension = 4;
    private const double LearningRate = 0.05;

    [Theory]
    [InlineData(0.0, 1)]
    [InlineData(0.01, 1)]
    [InlineData(0.01, int.MaxValue)]
    public void Step_EveryRowInEveryBatch_MatchesTorchAdamOnDenseGradients(double weightDecay, int lazyMinRows)
    {
        using EmbeddingModel dense = CreateModel(seed: 5);
        using EmbeddingModel lazy = CreateModel(seed: 5);
        using var denseOptimizer = torch.optim.Adam(dense.parameters(), lr: LearningRate, weight_decay: weightDecay);
        using var moments = torch.optim.Adam(lazy.parameters(), lr: LearningRate, weight_decay: weightDecay);
        var step = new LazyAdam(moments, lazy, LearningRate, weightDecay);
        using Tensor users = torch.arange(Users, dtype: ScalarType.Int64).repeat(2);
        using var generator = new Generator(1, torch.CPU);

        for (int i = 0; i < 5; i++)
        {
            TrainWithTorchAdam(dense, denseOptimizer, generator, users);
            Train(lazy, moments, step, generator, users, lazyMinRows);
        }

        foreach ((string name, Tensor expected) in dense.state_dict())
        {
            Assert.True(expected.allclose(lazy.state_dict()[name], rtol: 1e-5, atol: 1e-6), $"{name} differs from torch's Adam");
        }
    }

    [Fact]
    public void Step_RowsOutsideTheBatch_KeepTheirValuesAndMoments()
    {
        using EmbeddingModel model = CreateModel(seed: 7);
        using var moments = torch.optim.Adam(model.parameters(), lr: LearningRate);
        var step = new LazyAdam(moments, model, LearningRate, weightDecay: 0);
        using var generator = new Generator(1, torch.CPU);
        Train(model, moments, step, generator, torch.arange(Users, dtype: ScalarType.Int64));
        using Tensor before = model.state_dict()["user_factors.weight"].clone();
        using Tensor momentBefore = UserFactorMoment(model, moments).clone();

        Train(model, moments, step, generator, torch.tensor(new long[] { 0, 1 }));

        Tensor after = model.state_dict()["user_factors.weight"];
        Tensor momentAfter = UserFactorMoment(model, moments);
        Assert.True(after.narrow(0, 2, Users - 2).equal(before.narrow(0, 2, Users - 2)).all().item<bool>(), "untouched user rows moved");
        Assert.True(momentAfter.narrow(0, 2, Users - 2).equal(momentBefore.narrow(0, 2, Users - 2)).all().item<bool>(), "untouched user moments decayed");
        Assert.False(after.narrow(0, 0, 2).equal(before.narrow(0, 0, 2)).all().item<bool>(), "the batch's user rows did not move");
    }

    [Fact]
    public void Step_SameRowGatheredTwice_AppliesTheSummedGradientOnce()
    {
        using EmbeddingModel twice = CreateModel(seed: 9);
        using EmbeddingModel once = CreateModel(seed: 9);
        using var twiceMoments = torch.optim.Adam(twice.parameters(), lr: LearningRate);
        using var onceMoments = torch.optim.Adam(once.parameters(), lr: LearningRate);
        using var generator = new Generator(1, torch.CPU);

        // A batch that repeats user 0 gives it the sum of both rows' gradients, as dense autograd would.
        var step = new LazyAdam(twiceMoments, twice, LearningRate, weightDecay: 0);
        Train(twice, twiceMoments, step, generator, torch.tensor(new long[] { 0, 0 }));
        TrainWithTorchAdam(once, onceMoments, generator, torch.tensor(new long[] { 0, 0 }));

        Assert.True(twice.state_dict()["user_factors.weight"].allclose(once.state_dict()["user_factors.weight"], rtol: 1e-5, atol: 1e-6));
    }

    [Fact]
    public void Step_TableSmallerThanLazyMinRows_TakesTorchAdamStepEvenOnRowsOutsideTheBatch()
    {
        using EmbeddingModel dense = CreateModel(seed: 11);
        using EmbeddingModel small = CreateModel(seed: 11);
        using var denseOptimizer = torch.optim.Adam(dense.parameters(), lr: LearningRate);
        using var moments = torch.optim.Adam(small.parameters(), lr: LearningRate);
        var step = new LazyAdam(moments, small, LearningRate, weightDecay: 0);
        using var generator = new Generator(1, torch.CPU);

        foreach (Tensor users in new[] { torch.arange(Users, dtype: ScalarType.Int64), torch.tensor(new long[] { 0, 1 }), torch.tensor(new long[] { 2 }) })
        {
            TrainWithTorchAdam(dense, denseOptimizer, generator, users);
            Train(small, moments, step, generator, users, lazyMinRows: Users + 1);
        }

        Assert.True(dense.state_dict()["user_factors.weight"].allclose(small.state_dict()["user_factors.weight"], rtol: 1e-5, atol: 1e-6));
    }

    private static void Train(EmbeddingModel model, TorchSharp.Modules.Adam moments, LazyAdam step, Generator generator, Tensor users, int lazyMinRows = 1)
    {
        using var scope = torch.NewDisposeScope();
        var rows = new GatheredRows(lazyMinRows);
        moments.zero_grad();
        model.ComputeLoss(new TrainingBatch(users, ItemsFor(users), RatingsFor(users), generator, rows)).backward();
        step.Step(rows);
    }

    private static void TrainWithTorchAdam(EmbeddingModel model, TorchSharp.Modules.Adam optimizer, Generator generator, Tensor users)
    {
        using var scope = torch.NewDisposeScope();
        optimizer.zero_grad();
        model.ComputeLoss(new TrainingBatch(users, ItemsFor(users), RatingsFor(users), generator)).backward();
        optimizer.step();
    }

    private static Tensor UserFactorMoment(EmbeddingModel model, TorchSharp.Modules.Adam moments)
    {
        int index = model.named_parameters().Select(p => p.name).ToList().IndexOf("user_factors.weight");
        return ((TorchSharp.Modules.Adam.State)moments.state_dict().State[index]).exp_avg;
    }

    private static Tensor ItemsFor(Tensor users) => (users * 3 % Items).contiguous();

    private static Tensor RatingsFor(Tensor users) => (ItemsFor(users) % 4).to(ScalarType.Float32) + 1;

    private static EmbeddingModel CreateModel(int seed)
    {
        EmbeddingModel model = ModelFactory.Create(new ModelShape(ModelKind.MatrixFactorization, Users, Items, Dimension), new ModelLossSettings(0.01, 1, int.MaxValue, 1, 2.5f));
        using var generator = new Generator((ulong)seed, torch.CPU);
        model.InitializeParameters(generator, 0.3);
        return model;
    }
}
