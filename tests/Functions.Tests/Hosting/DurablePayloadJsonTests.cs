using Azure.Core.Serialization;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Recommender.Core.Pipeline;
using Recommender.Functions.Hosting;

namespace Recommender.Functions.Tests.Hosting;

/// <summary>What the worker writes across the Durable Task boundary, metrics with nothing to measure included.</summary>
public sealed class DurablePayloadJsonTests
{
    /// <summary>An evaluation of a rating model whose validation had no rating pairs: its RMSE and MAE are NaN.</summary>
    private static readonly EvaluateStageOutput Unmeasured = new(
        new Dictionary<string, double> { ["rmse"] = double.NaN, ["mae"] = double.NaN, ["ndcg@10"] = 0.31 },
        new Dictionary<string, double> { ["rmse"] = double.PositiveInfinity },
        Live: null,
        Passed: false,
        Reason: "rmse of the new model is not a number.");

    [Fact]
    public void AddRecommender_WorkerSerializer_RoundTripsNonFiniteMetrics()
    {
        ObjectSerializer serializer = AppWorkerOptions().Serializer!;

        BinaryData written = serializer.Serialize(Unmeasured, typeof(EvaluateStageOutput), CancellationToken.None);
        var read = (EvaluateStageOutput)serializer.Deserialize(written.ToStream(), typeof(EvaluateStageOutput), CancellationToken.None)!;

        Assert.True(double.IsNaN(read.Model["rmse"]));
        Assert.Equal(0.31, read.Model["ndcg@10"]);
        Assert.True(double.IsPositiveInfinity(read.Popularity["rmse"]));
        Assert.Equal(Unmeasured.Reason, read.Reason);
    }

    [Fact]
    public void AddRecommender_WorkerSerializer_ReadsPropertyNamesInAnyCase()
    {
        // As the worker's defaults do: payloads written before the app set its own serializer still read.
        ObjectSerializer serializer = AppWorkerOptions().Serializer!;

        var read = (PrepareScoringOutput)serializer.Deserialize(
            new BinaryData("""{"users":3,"ITEMS":4,"Dimension":5,"bytes":6}""").ToStream(), typeof(PrepareScoringOutput), CancellationToken.None)!;

        Assert.Equal(new PrepareScoringOutput(3, 4, 5, 6), read);
    }

    private static WorkerOptions AppWorkerOptions()
    {
        var services = new ServiceCollection();
        services.AddRecommender(new ConfigurationBuilder().Build());
        using ServiceProvider provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IOptions<WorkerOptions>>().Value;
    }
}
