using System.Net;
using System.Text.Json.Nodes;
using Azure.Core;
using Recommender.Core.TrainingHosts;

namespace Recommender.Core.Tests.TrainingHosts;

public sealed class ArmContainerJobClientTests
{
    private const string JobId = "/subscriptions/s1/resourceGroups/rg1/providers/Microsoft.App/jobs/train-job";

    private const string JobDefinition = """
        {"properties":{"template":{"containers":[
          {"name":"sidecar","image":"other:1"},
          {"name":"training","image":"acr.io/recommender-training:cuda","command":["dotnet","recommender.dll"],"args":["train","--dataset","PLACEHOLDER"],
           "env":[{"name":"Recommender__Training__Device","value":"cuda"}],"resources":{"cpu":8,"memory":"56Gi"},"probes":[]}
        ]}}}
        """;

    [Fact]
    public async Task StartExecutionAsync_JobWithTrainingContainer_PostsItsCopyWithTheNewArguments()
    {
        var handler = new RecordingHandler(request => request.Method == HttpMethod.Get
            ? Json(HttpStatusCode.OK, JobDefinition)
            : Json(HttpStatusCode.Accepted, """{"id":"/subscriptions/s1/.../executions/train-job-abc12","name":"train-job-abc12"}"""));
        var client = Client(handler);

        string execution = await client.StartExecutionAsync(["train", "--dataset", "v1", "--run-id", "r1"]);

        Assert.Equal("train-job-abc12", execution);
        (HttpMethod method, Uri uri, string? body, string? auth) = handler.Requests[1];
        Assert.Equal(HttpMethod.Post, method);
        Assert.Equal($"https://management.azure.com{JobId}/start?api-version=2024-03-01", uri.ToString());
        Assert.Equal("Bearer token-1", auth);
        JsonObject container = Assert.Single(JsonNode.Parse(body!)!["containers"]!.AsArray())!.AsObject();
        Assert.Equal(["train", "--dataset", "v1", "--run-id", "r1"], container["args"]!.AsArray().Select(a => a!.GetValue<string>()));
        Assert.Equal("training", container["name"]!.GetValue<string>());
        Assert.Equal("acr.io/recommender-training:cuda", container["image"]!.GetValue<string>());
        Assert.Equal("cuda", container["env"]![0]!["value"]!.GetValue<string>());
        Assert.Null(container["probes"]);
    }

    [Fact]
    public async Task StartExecutionAsync_JobRead_UsesTheJobsUrlAndApiVersion()
    {
        var handler = new RecordingHandler(request => request.Method == HttpMethod.Get
            ? Json(HttpStatusCode.OK, JobDefinition)
            : Json(HttpStatusCode.Accepted, """{"name":"e1"}"""));

        await Client(handler).StartExecutionAsync(["train"]);

        Assert.Equal(HttpMethod.Get, handler.Requests[0].Method);
        Assert.Equal($"https://management.azure.com{JobId}?api-version=2024-03-01", handler.Requests[0].Uri.ToString());
    }

    [Theory]
    [InlineData("Running", TrainingJobState.Running)]
    [InlineData("Processing", TrainingJobState.Running)]
    [InlineData("Succeeded", TrainingJobState.Succeeded)]
    [InlineData("Failed", TrainingJobState.Failed)]
    [InlineData("Stopped", TrainingJobState.Failed)]
    public async Task GetExecutionStateAsync_Status_MapsToState(string status, TrainingJobState expected)
    {
        var handler = new RecordingHandler(_ => Json(HttpStatusCode.OK, $$$"""{"name":"e1","properties":{"status":"{{{status}}}"}}"""));

        TrainingJobState state = await Client(handler).GetExecutionStateAsync("e1");

        Assert.Equal(expected, state);
        Assert.Equal($"https://management.azure.com{JobId}/executions/e1?api-version=2024-03-01", handler.Requests[0].Uri.ToString());
    }

    [Fact]
    public async Task StartExecutionAsync_Forbidden_ThrowsWithStatusAndBody()
    {
        var handler = new RecordingHandler(_ => Json(HttpStatusCode.Forbidden, """{"error":{"code":"AuthorizationFailed"}}"""));

        var ex = await Assert.ThrowsAsync<TrainingJobRequestException>(() => Client(handler).StartExecutionAsync(["train"]));

        Assert.Equal(403, ex.StatusCode);
        Assert.Contains("AuthorizationFailed", ex.Message, StringComparison.Ordinal);
    }

    private static ArmContainerJobClient Client(RecordingHandler handler) =>
        new(new HttpClient(handler), new FixedToken(), new ContainerJobTrainingHostOptions { JobResourceId = JobId });

    private static HttpResponseMessage Json(HttpStatusCode status, string body) =>
        new(status) { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };

    private sealed class RecordingHandler(Func<HttpRequestMessage, HttpResponseMessage> answer) : HttpMessageHandler
    {
        public List<(HttpMethod Method, Uri Uri, string? Body, string? Auth)> Requests { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            string? body = request.Content is null ? null : await request.Content.ReadAsStringAsync(cancellationToken);
            Requests.Add((request.Method, request.RequestUri!, body, request.Headers.Authorization?.ToString()));
            return answer(request);
        }
    }

    private sealed class FixedToken : TokenCredential
    {
        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            new("token-1", DateTimeOffset.UtcNow.AddHours(1));

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            ValueTask.FromResult(GetToken(requestContext, cancellationToken));
    }
}
