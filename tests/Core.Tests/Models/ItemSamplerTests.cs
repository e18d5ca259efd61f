using Recommender.Core.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Recommender.Core.Tests.Models;

public sealed class ItemSamplerTests
{
    [Fact]
    public void LogUniform_Probabilities_SumToOneAndFavourPopularItems()
    {
        int[] trainItems = [2, 2, 2, 2, 0, 0, 1, 3];
        using ItemSampler sampler = ItemSampler.LogUniform(5, trainItems, torch.CPU);
        using Tensor all = torch.arange(5, dtype: ScalarType.Int64);

        using Tensor logQ = sampler.LogProbabilityOf(all)!;
        float[] probability = logQ.exp().data<float>().ToArray();

        Assert.Equal(1.0, probability.Sum(), 5);
        Assert.Equal(probability.Max(), probability[2]);
        Assert.True(probability[0] > probability[4]);
    }

    [Fact]
    public void LogUniform_Samples_StayInRangeAndFollowTheProbabilities()
    {
        int[] trainItems = [7, 7, 7, 3, 3, 1];
        using ItemSampler sampler = ItemSampler.LogUniform(10, trainItems, torch.CPU);
        using var generator = new Generator(17, torch.CPU);

        using Tensor samples = sampler.Sample(20_000, generator, torch.CPU);
        long[] drawn = samples.data<long>().ToArray();

        Assert.All(drawn, item => Assert.InRange(item, 0, 9));
        double mostPopularShare = drawn.Count(item => item == 7) / (double)drawn.Length;
        double expected = Math.Log(2.0) / Math.Log(11.0);
        Assert.InRange(mostPopularShare, expected - 0.02, expected + 0.02);
    }

    [Fact]
    public void Uniform_LogProbability_IsNullBecauseItCancels()
    {
        using ItemSampler sampler = ItemSampler.Uniform(4);
        using Tensor items = torch.arange(4, dtype: ScalarType.Int64);

        Assert.Null(sampler.LogProbabilityOf(items));
    }
}
