using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Recommender.Core.Lookup;
using Recommender.Functions.Api;
using Recommender.Functions.Tests.Infrastructure;
using Recommender.Functions.Tests.Pipeline;
using Recommender.Integration.Tests.Infrastructure;

namespace Recommender.Functions.Tests.Api;

/// <summary>Status codes and input validation of the HTTP functions.</summary>
[Trait("Category", "Integration")]
[Collection(AzuriteCollection.Name)]
public sealed class HttpValidationTests(AzuriteFixture azurite)
{
    [Theory]
    [InlineData("?k=0")]
    [InlineData("?k=1001")]
    [InlineData("?k=ten")]
    [InlineData("?k=-3")]
    [InlineData("?k=5&k=6")]
    public async Task GetRecommendations_BadK_Returns400(string query)
    {
        await using PipelineTestHost host = await PipelineTestHost.StartAsync(azurite);
        var api = ActivatorUtilities.CreateInstance<RecommendationsApi>(host.Services);

        IActionResult result = await api.GetRecommendations(TrainingPipelineTests.Request("GET", "/api/recommendations/u1", query), "u1", CancellationToken.None);

        Assert.Equal(400, Assert.IsAssignableFrom<ObjectResult>(result).StatusCode);
    }

    [Theory]
    [InlineData(" ")]
    [InlineData("bad\u0001id")]
    public async Task GetRecommendations_BadUserId_Returns400(string user)
    {
        await using PipelineTestHost host = await PipelineTestHost.StartAsync(azurite);
        var api = ActivatorUtilities.CreateInstance<RecommendationsApi>(host.Services);

        IActionResult result = await api.GetRecommendations(TrainingPipelineTests.Request("GET", "/api/recommendations/x"), user, CancellationToken.None);

        Assert.Equal(400, Assert.IsAssignableFrom<ObjectResult>(result).StatusCode);
    }

    [Fact]
    public async Task GetRecommendations_TooLongUserId_Returns400()
    {
        await using PipelineTestHost host = await PipelineTestHost.StartAsync(azurite);
        var api = ActivatorUtilities.CreateInstance<RecommendationsApi>(host.Services);

        IActionResult result = await api.GetRecommendations(TrainingPipelineTests.Request("GET", "/api/recommendations/x"), new string('u', 1025), CancellationToken.None);

        Assert.Equal(400, Assert.IsAssignableFrom<ObjectResult>(result).StatusCode);
    }

    [Fact]
    public async Task GetRecommendations_NothingPublished_Returns404()
    {
        await using PipelineTestHost host = await PipelineTestHost.StartAsync(azurite);
        var api = ActivatorUtilities.CreateInstance<RecommendationsApi>(host.Services);

        IActionResult result = await api.GetRecommendations(TrainingPipelineTests.Request("GET", "/api/recommendations/u1"), "u1", CancellationToken.None);

        Assert.Equal(404, Assert.IsAssignableFrom<ObjectResult>(result).StatusCode);
    }

    [Theory]
    [InlineData("{\"kind\":\"transformer\"}")]
    [InlineData("{\"dimension\":0}")]
    [InlineData("{\"epochs\":100000}")]
    [InlineData("{\"learningRate\":-1}")]
    [InlineData("{\"kind\":\"mf\"}")]
    [InlineData("{\"unknownField\":1}")]
    [InlineData("[1,2,3]")]
    [InlineData("{not json")]
    public async Task StartRun_InvalidOverrides_Returns400WithoutStarting(string body)
    {
        await using PipelineTestHost host = await PipelineTestHost.StartAsync(azurite);
        var api = ActivatorUtilities.CreateInstance<RunsApi>(host.Services);

        IActionResult result = await api.StartRun(TrainingPipelineTests.Request("POST", "/api/runs", body: body), host.Client, CancellationToken.None);

        Assert.Equal(400, Assert.IsAssignableFrom<ObjectResult>(result).StatusCode);
        Assert.Null(await host.Client.GetInstanceAsync(Recommender.Functions.Pipeline.PipelineStarter.InstanceId));
    }

    [Fact]
    public async Task StartRun_OversizedBody_Returns413()
    {
        await using PipelineTestHost host = await PipelineTestHost.StartAsync(azurite);
        var api = ActivatorUtilities.CreateInstance<RunsApi>(host.Services);
        string body = "{\"kind\":\"" + new string('x', RunsApi.MaxBodyBytes) + "\"}";

        IActionResult result = await api.StartRun(TrainingPipelineTests.Request("POST", "/api/runs", body: body), host.Client, CancellationToken.None);

        Assert.Equal(413, Assert.IsAssignableFrom<ObjectResult>(result).StatusCode);
    }

    [Fact]
    public async Task GetRun_UnknownRun_Returns404()
    {
        await using PipelineTestHost host = await PipelineTestHost.StartAsync(azurite);
        var api = ActivatorUtilities.CreateInstance<RunsApi>(host.Services);

        IActionResult result = await api.GetRun(TrainingPipelineTests.Request("GET", "/api/runs/nope"), "nope", host.Client, CancellationToken.None);

        Assert.Equal(404, Assert.IsAssignableFrom<ObjectResult>(result).StatusCode);
    }

    [Fact]
    public async Task ActivateModel_UnknownVersion_Returns404AndKeepsActive()
    {
        await using PipelineTestHost host = await PipelineTestHost.StartAsync(azurite);
        var api = ActivatorUtilities.CreateInstance<ModelsApi>(host.Services);

        IActionResult result = await api.ActivateModel(TrainingPipelineTests.Request("POST", "/api/models/v9/activate"), "v9", CancellationToken.None);

        Assert.Equal(404, Assert.IsAssignableFrom<ObjectResult>(result).StatusCode);
        Assert.Null(await host.Lookup.GetActiveVersionAsync());
    }

    [Fact]
    public async Task ActivateModel_KeptPublishedVersion_RollsBack()
    {
        await using PipelineTestHost host = await PipelineTestHost.StartAsync(azurite);
        var when = DateTimeOffset.UtcNow;
        await host.Lookup.WriteAsync("v1", [new UserRecommendations("u", ["a"], [1f], "v1", when)]);
        await host.Lookup.PublishAsync("v1");
        await host.Lookup.WriteAsync("v2", [new UserRecommendations("u", ["b"], [1f], "v2", when.AddMinutes(1))]);
        await host.Lookup.PublishAsync("v2");
        var api = ActivatorUtilities.CreateInstance<ModelsApi>(host.Services);

        IActionResult result = await api.ActivateModel(TrainingPipelineTests.Request("POST", "/api/models/v1/activate"), "v1", CancellationToken.None);

        Assert.IsType<OkObjectResult>(result);
        Assert.Equal("v1", await host.Lookup.GetActiveVersionAsync());
        var list = Assert.IsType<OkObjectResult>(await api.ListModels(TrainingPipelineTests.Request("GET", "/api/models"), CancellationToken.None));
        Assert.Equal(2, Assert.IsAssignableFrom<IReadOnlyList<ModelView>>(list.Value).Count);
    }
}
