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

        string execution = await client.StartExecutionAsync("r1/1", ["train", "--dataset", "v1", "--run-id", "r1"]);

        Assert.Equal("train-job-abc12", execution);
        (HttpMethod method, Uri uri, string? body, string? auth) = handler.Requests[1];
        Assert.Equal(HttpMethod.Post, method);
        Assert.Equal($"https://management.azure.com{JobId}/start?api-version=2024-03-01", uri.ToString());
        Assert.Equal("Bearer token-1", auth);
        JsonObject container = Assert.Single(JsonNode.Parse(body!)!["containers"]!.AsArray())!.AsObject();
        Assert.Equal(["train", "--dataset", "v1", "--run-id", "r1"], container["args"]!.AsArray().Select(a => a!.GetValue<string>()));
        Assert.Equal("training", container["name"]!.GetValue<string>());
        Assert.Equal("acr.io/recommender-training:cuda", container["image"]!.GetValue<string>());
        Assert.Equal(
            ["Recommender__Training__Device=cuda", "RECOMMENDER_EXECUTION_KEY=r1/1"],
            container["env"]!.AsArray().Select(v => $"{v!["name"]}={v["value"]}"));
        Assert.Null(container["probes"]);
    }

    [Fact]
    public async Task StartExecutionAsync_JobRead_UsesTheJobsUrlAndApiVersion()
    {
        var handler = new RecordingHandler(request => request.Method == HttpMethod.Get
            ? Json(HttpStatusCode.OK, JobDefinition)
            : Json(HttpStatusCode.Accepted, """{"name":"e1"}"""));

        await Client(handler).StartExecutionAsync("r1/1", ["train"]);

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
    public async Task FindExecutionAsync_RunningExecutionWithTheKeyOnALaterPage_ReturnsIt()
    {
        var handler = new RecordingHandler(request => request.RequestUri!.Query.Contains("page=2", StringComparison.Ordinal)
            ? Json(HttpStatusCode.OK, $$"""{"value":[{{Execution("e-other", "Running", "r2/1")}}, {{Execution("e-mine", "Processing", "r1/1")}}]}""")
            : Json(HttpStatusCode.OK, $$"""
                {"value":[{{Execution("e-ended", "Failed", "r1/1")}}, {{Execution("e-done", "Succeeded", "r1/1")}}],
                 "nextLink":"https://management.azure.com{{JobId}}/executions?api-version=2024-03-01&page=2"}
                """));

        string? found = await Client(handler).FindExecutionAsync("r1/1");

        Assert.Equal("e-mine", found);
        Assert.Equal($"https://management.azure.com{JobId}/executions?api-version=2024-03-01", handler.Requests[0].Uri.ToString());
        Assert.Equal(2, handler.Requests.Count);
    }

    [Fact]
    public async Task FindExecutionAsync_OnlyEndedOrOtherKeys_ReturnsNull()
    {
        var handler = new RecordingHandler(_ => Json(HttpStatusCode.OK, $$"""
            {"value":[{{Execution("e-ended", "Stopped", "r1/1")}}, {{Execution("e-done", "Succeeded", "r1/1")}}, {{Execution("e-next", "Running", "r1/2")}}]}
            """));

        Assert.Null(await Client(handler).FindExecutionAsync("r1/1"));
    }

    [Fact]
    public async Task FindExecutionAsync_PageLinkToAnotherHost_IsRefusedBeforeTheTokenLeaves()
    {
        var handler = new RecordingHandler(_ => Json(HttpStatusCode.OK, """{"value":[],"nextLink":"https://elsewhere.example/steal"}"""));

        var ex = await Assert.ThrowsAsync<TrainingJobRequestException>(() => Client(handler).FindExecutionAsync("r1/1"));

        Assert.Contains("elsewhere.example", ex.Message, StringComparison.Ordinal);
        Assert.Single(handler.Requests);
    }

    [Fact]
    public async Task StartExecutionAsync_Forbidden_ThrowsWithStatusAndBody()
    {
        var handler = new RecordingHandler(_ => Json(HttpStatusCode.Forbidden, """{"error":{"code":"AuthorizationFailed"}}"""));

        var ex = await Assert.ThrowsAsync<TrainingJobRequestException>(() => Client(handler).StartExecutionAsync("r1/1", ["train"]));

        Assert.Equal(403, ex.StatusCode);
        Assert.Contains("AuthorizationFailed", ex.Message, StringComparison.Ordinal);
    }

    private static string Execution(string name, string status, string key) => new JsonObject
    {
        ["name"] = name,
        ["properties"] = new JsonObject
        {
            ["status"] = status,
            ["template"] = JsonNode.Parse($$"""
                {"containers":[{"name":"training","env":[
                  {"name":"Recommender__Training__Device","value":"cuda"},
                  {"name":"RECOMMENDER_EXECUTION_KEY","value":"{{key}}"}]}]}
                """),
        },
    }.ToJsonString();

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
