using Azure.Core.Serialization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Recommender.Core.Pipeline;
using Recommender.Functions.Api;
using Recommender.Functions.Hosting;

namespace Recommender.Functions.Tests.Hosting;

/// <summary>What the worker writes across the Durable Task boundary and in HTTP answers, metrics with nothing to measure included.</summary>
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

    [Fact]
    public async Task AddRecommender_HttpAnswerWithANaNMetric_WritesItAsNull()
    {
        // What GET /api/models and /api/runs return for a run whose RMSE had nothing to measure.
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddMvcCore();
        services.AddRecommender(new ConfigurationBuilder().Build());
        await using ServiceProvider provider = services.BuildServiceProvider();
        var context = new DefaultHttpContext { RequestServices = provider };
        context.Response.Body = new MemoryStream();
        var model = new ModelView("v1", Active: true, Published: true, Users: 3, DateTimeOffset.UnixEpoch, new Dictionary<string, double> { ["rmse"] = double.NaN, ["ndcg@10"] = 0.25 });

        await new OkObjectResult(new[] { model }).ExecuteResultAsync(new ActionContext(context, new RouteData(), new ActionDescriptor()));

        Assert.Equal(200, context.Response.StatusCode);
        string body = System.Text.Encoding.UTF8.GetString(((MemoryStream)context.Response.Body).ToArray());
        Assert.Contains("\"rmse\":null", body, StringComparison.Ordinal);
        Assert.Contains("\"ndcg@10\":0.25", body, StringComparison.Ordinal);
    }

    private static WorkerOptions AppWorkerOptions()
    {
        var services = new ServiceCollection();
        services.AddRecommender(new ConfigurationBuilder().Build());
        using ServiceProvider provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IOptions<WorkerOptions>>().Value;
    }
}
