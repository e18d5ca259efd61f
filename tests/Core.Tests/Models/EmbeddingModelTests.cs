using Recommender.Core.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Recommender.Core.Tests.Models;

public sealed class EmbeddingModelTests
{
    private const int Users = 12;
    private const int Items = 15;
    private const int Dimension = 6;

    public static TheoryData<ModelKind, int> KindsAndSampledSoftmax => new()
    {
        { ModelKind.MatrixFactorization, int.MaxValue },
        { ModelKind.Bpr, int.MaxValue },
        { ModelKind.Softmax, int.MaxValue },
        { ModelKind.Softmax, 5 },
    };

    [Theory]
    [MemberData(nameof(KindsAndSampledSoftmax))]
    public void ComputeLoss_AdamSteps_LossDecreases(ModelKind kind, int fullSoftmaxMaxItems)
    {
        using var generator = new Generator(3, torch.CPU);
        using ItemSampler sampler = ItemSampler.Uniform(Items);
        using EmbeddingModel model = ModelFactory.Create(new ModelShape(kind, Users, Items, Dimension), new ModelLossSettings(0.001, 3, fullSoftmaxMaxItems, 8, 3f), sampler);
        model.InitializeParameters(generator, 0.1);
        using var optimizer = torch.optim.Adam(model.parameters(), lr: 0.05);
        using Tensor users = torch.arange(Users, dtype: ScalarType.Int64).repeat(2);
        using Tensor items = (users * 7 % Items).contiguous();
        using Tensor ratings = (items % 5).to(ScalarType.Float32) + 1;

        float first = 0, last = 0;
        for (int step = 0; step < 60; step++)
        {
            using var scope = torch.NewDisposeScope();
            optimizer.zero_grad();
            Tensor loss = model.ComputeLoss(new TrainingBatch(users, items, model.UsesInteractionWeights ? ratings : null, generator));
            loss.backward();
            optimizer.step();
            last = loss.item<float>();
            if (step == 0)
            {
                first = last;
            }
        }

        Assert.True(last < first * 0.7, $"{kind}: {first} -> {last}");
    }

    [Theory]
    [InlineData(int.MaxValue)] // the exact softmax
    [InlineData(5)] // the sampled one
    public void SoftmaxLoss_ImplicitWeights_WeighEachInteractionsTermByItsRoot(int fullSoftmaxMaxItems)
    {
        using var scope = torch.NewDisposeScope();
        using ItemSampler sampler = ItemSampler.Uniform(Items);
        using EmbeddingModel weighted = ModelFactory.Create(new ModelShape(ModelKind.Softmax, Users, Items, Dimension), new ModelLossSettings(0, 1, fullSoftmaxMaxItems, 8, 0f, WeighsImplicitInteractions: true), sampler);
        using (var generator = new Generator(5, torch.CPU))
        {
            weighted.InitializeParameters(generator, 0.5);
        }

        Tensor users = torch.tensor(new long[] { 0, 0, 1, 2 });
        Tensor items = torch.tensor(new long[] { 3, 4, 3, 7 });
        Tensor weights = torch.tensor(new float[] { 4, 1, 9, 1 });

        // Each interaction's own term, alone in a batch; the same sampler seed draws the same negatives.
        float[] terms = [.. Enumerable.Range(0, 4).Select(row => Loss(weighted, users[row..(row + 1)], items[row..(row + 1)], torch.ones(1)))];
        double expected = ((2 * terms[0]) + terms[1] + (3 * terms[2]) + terms[3]) / 7;

        Assert.True(weighted.UsesInteractionWeights);
        Assert.Equal(terms.Average(), Loss(weighted, users, items, torch.ones(4)), 4);
        Assert.Equal(expected, Loss(weighted, users, items, weights), 4);
    }

    [Theory]
    [InlineData(ModelKind.MatrixFactorization)]
    [InlineData(ModelKind.Bpr)]
    [InlineData(ModelKind.Softmax)]
    public void ExpectedParameters_WithoutAllocating_MatchCreatedModelState(ModelKind kind)
    {
        var shape = new ModelShape(kind, Users, Items, Dimension);
        using EmbeddingModel model = ModelFactory.Create(shape, ModelLossSettings.ForScoring);

        Assert.Equal(ModelFactory.ExpectedParameters(shape).OrderBy(p => p.Name), model.DescribeState().OrderBy(p => p.Name));
    }

    [Fact]
    public void ExportFactors_MatrixFactorization_DotProductIsThePredictedRating()
    {
        using var generator = new Generator(9, torch.CPU);
        using EmbeddingModel model = ModelFactory.Create(new ModelShape(ModelKind.MatrixFactorization, Users, Items, Dimension), ModelLossSettings.ForScoring with { InitialGlobalBias = 3.5f });
        model.InitializeParameters(generator, 0.5);
        Dictionary<string, Tensor> state = model.state_dict();
        using (torch.no_grad())
        {
            state["user_bias.weight"].copy_(torch.rand([Users, 1], generator: generator));
            state["item_bias.weight"].copy_(torch.rand([Items, 1], generator: generator));
        }

        FactorSnapshot factors = model.ExportFactors();

        Assert.Equal(Dimension + 2, factors.Dimension);
        float[] userFactors = state["user_factors.weight"].data<float>().ToArray();
        float[] itemFactors = state["item_factors.weight"].data<float>().ToArray();
        float[] userBias = state["user_bias.weight"].data<float>().ToArray();
        float[] itemBias = state["item_bias.weight"].data<float>().ToArray();
        for (int user = 0; user < Users; user++)
        {
            for (int item = 0; item < Items; item++)
            {
                double expected = 3.5 + userBias[user] + itemBias[item]
                    + Enumerable.Range(0, Dimension).Sum(d => (double)userFactors[(user * Dimension) + d] * itemFactors[(item * Dimension) + d]);
                Assert.Equal(expected, FactorScores.Of(factors, user, item), 4);
            }
        }
    }

    [Theory]
    [InlineData(ModelKind.Bpr)]
    [InlineData(ModelKind.Softmax)]
    public void ExportFactors_ImplicitModel_FoldsItemBiasIntoLastColumn(ModelKind kind)
    {
        using var generator = new Generator(4, torch.CPU);
        using EmbeddingModel model = ModelFactory.Create(new ModelShape(kind, Users, Items, Dimension), ModelLossSettings.ForScoring);
        model.InitializeParameters(generator, 0.5);
        Tensor itemBias = model.state_dict()["item_bias.weight"];
        using (torch.no_grad())
        {
            itemBias.copy_(torch.arange(Items, dtype: ScalarType.Float32).view(Items, 1));
        }

        FactorSnapshot factors = model.ExportFactors();

        Assert.Equal(Dimension + 1, factors.Dimension);
        Assert.All(Enumerable.Range(0, Users), user => Assert.Equal(1f, factors.UserFactors[(user * factors.Dimension) + Dimension]));
        Assert.All(Enumerable.Range(0, Items), item => Assert.Equal(item, factors.ItemFactors[(item * factors.Dimension) + Dimension]));
    }

    [Fact]
    public void Create_AutoKind_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ModelFactory.Create(new ModelShape(ModelKind.Auto, 2, 2, 2), ModelLossSettings.ForScoring));
    }

    [Theory]
    [InlineData(true, ModelKind.MatrixFactorization)]
    [InlineData(false, ModelKind.Softmax)]
    public void Resolve_Auto_PicksByFeedbackType(bool isExplicit, ModelKind expected)
    {
        Assert.Equal(expected, ModelFactory.Resolve(ModelKind.Auto, isExplicit));
    }

    private static float Loss(EmbeddingModel model, Tensor users, Tensor items, Tensor weights)
    {
        using var generator = new Generator(11, torch.CPU);
        using Tensor loss = model.ComputeLoss(new TrainingBatch(users, items, weights, generator));
        return loss.item<float>();
    }
}
