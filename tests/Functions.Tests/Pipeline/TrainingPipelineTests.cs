using System.Text.Json;
using Azure;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Recommender.Core.Lookup;
using Recommender.Core.Pipeline;
using Recommender.Core.Storage;
using Recommender.Core.Training;
using Recommender.Functions.Api;
using Recommender.Functions.Pipeline;
using Recommender.Functions.Pipeline.Activities;
using Recommender.Functions.Tests.Infrastructure;
using Recommender.Functions.Triggers;
using Recommender.Integration.Tests.Infrastructure;

namespace Recommender.Functions.Tests.Pipeline;

/// <summary>The training pipeline through the real Durable Task engine and the real activities, against Azurite.</summary>
[Trait("Category", "Integration")]
[Collection(AzuriteCollection.Name)]
public sealed class TrainingPipelineTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task UploadedLog_RunCompletes_KnownUserGetsListAndUnknownUserGetsFallback()
    {
        await using PipelineTestHost host = await PipelineTestHost.StartAsync(azurite);
        await host.UploadLogAsync("2026/11/day-1.parquet");

        OrchestrationMetadata run = await host.RunToCompletionAsync();

        Assert.Equal(OrchestrationRuntimeStatus.Completed, run.RuntimeStatus);
        PipelineOutcome outcome = run.ReadOutputAs<PipelineOutcome>()!;
        Assert.Equal(RunResults.Published, outcome.Result);
        RecommendationsResponse known = await GetRecommendationsAsync(host, "user-000007", k: 5);
        Assert.False(known.Fallback);
        Assert.Equal(5, known.Items.Count);
        Assert.Equal(outcome.RunId, known.ModelVersion);
        RecommendationsResponse unknown = await GetRecommendationsAsync(host, "never-seen-user", k: 3);
        Assert.True(unknown.Fallback);
        Assert.Equal(3, unknown.Items.Count);
    }

    [Fact]
    public async Task SecondRun_PublishesNewVersion_ConcurrentReaderNeverSeesAMix()
    {
        await using PipelineTestHost host = await PipelineTestHost.StartAsync(azurite);
        await host.UploadLogAsync("day-1.parquet");
        OrchestrationMetadata first = await host.RunToCompletionAsync();
        string firstVersion = first.ReadOutputAs<PipelineOutcome>()!.RunId;
        await host.UploadLogAsync("day-2.parquet", PipelineTestHost.SmallLog(seed: 7));

        using var stop = new CancellationTokenSource();
        var versionsSeen = new HashSet<string>();
        int reads = 0;
        Task reader = Task.Run(async () =>
        {
            string[] users = ["user-000001", "user-000002", "user-000150", "user-000299"];
            while (!stop.IsCancellationRequested)
            {
                foreach (string user in users)
                {
                    UserRecommendations? list = await host.Lookup.GetAsync(user);
                    Assert.NotNull(list);
                    string? active = list.Version;
                    // A whole list of one version: same length as the version's lists, all scores in order.
                    Assert.Equal(20, list.ItemIds.Count);
                    Assert.True(list.Scores.Zip(list.Scores.Skip(1)).All(pair => pair.First >= pair.Second));
                    lock (versionsSeen)
                    {
                        versionsSeen.Add(active);
                        reads++;
                    }
                }
            }
        });

        OrchestrationMetadata second = await host.RunToCompletionAsync();
        await stop.CancelAsync();
        await reader;

        string secondVersion = second.ReadOutputAs<PipelineOutcome>()!.RunId;
        Assert.NotEqual(firstVersion, secondVersion);
        Assert.Equal(secondVersion, await host.Lookup.GetActiveVersionAsync());
        Assert.Contains(firstVersion, versionsSeen);
        Assert.True(versionsSeen.IsSubsetOf([firstVersion, secondVersion]));
        Assert.True(reads > 10);
    }

    [Fact]
    public async Task ScoreShardFailsOnce_ActivityIsRetried_RunStillPublishes()
    {
        var faults = new ActivityFaults().FailBefore(nameof(ScoreShardActivity), times: 1);
        await using PipelineTestHost host = await PipelineTestHost.StartAsync(azurite, faults);
        await host.UploadLogAsync("day-1.parquet");

        OrchestrationMetadata run = await host.RunToCompletionAsync();

        Assert.Equal(OrchestrationRuntimeStatus.Completed, run.RuntimeStatus);
        Assert.Equal(RunResults.Published, run.ReadOutputAs<PipelineOutcome>()!.Result);
        Assert.Equal(4, faults.Calls(nameof(ScoreShardActivity)));
    }

    [Fact]
    public async Task TrainingCrashesAfterCheckpoint_RetryResumesFromCheckpointNotEpochZero()
    {
        var faults = new ActivityFaults().FailAfterCall(nameof(TrainActivity), call: 1);
        await using PipelineTestHost host = await PipelineTestHost.StartAsync(azurite, faults, new Dictionary<string, string?> { ["Recommender:Training:Epochs"] = "6", ["Recommender:Training:Refit"] = "false" });
        await host.UploadLogAsync("day-1.parquet");

        OrchestrationMetadata run = await host.RunToCompletionAsync();

        Assert.Equal(OrchestrationRuntimeStatus.Completed, run.RuntimeStatus);
        string runId = run.ReadOutputAs<PipelineOutcome>()!.RunId;
        ModelManifest manifest = (await TrainedModel.ReadManifestAsync(host.Services.GetRequiredService<IArtifactStore>(), runId, CancellationToken.None))!;
        // The crashed call had trained and checkpointed epochs 1-5; its retry trained epoch 6 only and finished.
        Assert.Equal(Enumerable.Range(1, 6), manifest.Epochs.Select(e => e.Epoch));
        Assert.Equal(2, faults.Calls(nameof(TrainActivity)));
    }

    [Fact]
    public async Task BadFileBesideGoodOne_BadIsReportedAndLeftUntouched_GoodOneTrains()
    {
        await using PipelineTestHost host = await PipelineTestHost.StartAsync(azurite);
        await host.UploadLogAsync("good.parquet");
        await host.Interactions.GetBlobClient("broken.parquet").UploadAsync(BinaryData.FromString("this is a csv, not parquet"));
        ETag before = (await host.Interactions.GetBlobClient("broken.parquet").GetPropertiesAsync()).Value.ETag;

        OrchestrationMetadata run = await host.RunToCompletionAsync();

        Assert.Equal(RunResults.Published, run.ReadOutputAs<PipelineOutcome>()!.Result);
        RunRecord record = (await host.Services.GetRequiredService<RunHistory>().GetAsync(run.ReadOutputAs<PipelineOutcome>()!.RunId))!;
        string manifest = await ReadManifestAsync(host, record.DatasetVersion!);
        Assert.Contains("broken.parquet", manifest, StringComparison.Ordinal);
        Assert.Equal(before, (await host.Interactions.GetBlobClient("broken.parquet").GetPropertiesAsync()).Value.ETag);
    }

    [Fact]
    public async Task OnlyBadFiles_RunFailsInPreprocess_StatusNamesStageAndLiveVersionStays()
    {
        await using PipelineTestHost host = await PipelineTestHost.StartAsync(azurite);
        await host.UploadLogAsync("good.parquet");
        string live = (await host.RunToCompletionAsync()).ReadOutputAs<PipelineOutcome>()!.RunId;
        await host.Interactions.DeleteBlobAsync("good.parquet");
        await host.Interactions.GetBlobClient("broken.parquet").UploadAsync(BinaryData.FromString("not parquet"));

        OrchestrationMetadata run = await host.RunToCompletionAsync();

        Assert.Equal(OrchestrationRuntimeStatus.Failed, run.RuntimeStatus);
        PipelineProgress status = run.ReadCustomStatusAs<PipelineProgress>()!;
        Assert.Equal("failed", status.Stage);
        Assert.Equal("preprocess", status.FailedStage);
        Assert.Contains("broken.parquet", status.Error, StringComparison.Ordinal);
        Assert.Equal(live, await host.Lookup.GetActiveVersionAsync());
        // Neither the status nor the run record carries a credential.
        RunRecord failed = (await host.Services.GetRequiredService<RunHistory>().GetAsync(status.RunId))!;
        foreach (string text in new[] { run.SerializedCustomStatus!, JsonSerializer.Serialize(failed) })
        {
            Assert.DoesNotContain("AccountKey", text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(azurite.ConnectionString.Split("AccountKey=")[1].Split(';')[0], text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task BurstOfFiveUploads_StartsOneRunAndOneFollowUp()
    {
        await using PipelineTestHost host = await PipelineTestHost.StartAsync(azurite);
        var triggers = ActivatorUtilitiesFor<PipelineTriggers>(host);
        await host.UploadLogAsync("upload-0.parquet");
        await triggers.InteractionsBlobTrigger(host.Interactions.GetBlobClient("upload-0.parquet"), "upload-0.parquet", host.Client, CancellationToken.None);

        for (int i = 1; i < 5; i++)
        {
            await host.UploadLogAsync($"upload-{i}.parquet", PipelineTestHost.SmallLog(seed: i));
            await triggers.InteractionsBlobTrigger(host.Interactions.GetBlobClient($"upload-{i}.parquet"), $"upload-{i}.parquet", host.Client, CancellationToken.None);
        }

        OrchestrationMetadata done = await host.WaitAsync();

        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        var runs = new List<RunRecord>();
        await foreach (RunRecord record in host.Services.GetRequiredService<RunHistory>().ListAsync())
        {
            runs.Add(record);
        }

        Assert.InRange(runs.Count, 1, 2);
        Assert.Equal(runs.Count - 1, runs.Count(r => r.Trigger == "follow-up"));
        Assert.Equal(RunResults.Published, Assert.Single(runs, r => r.Trigger != "follow-up").Result);

        // The follow-up publishes what arrived after the first run listed its input; when the first run was slow
        // enough to list every upload, the follow-up finds its input unchanged.
        Assert.All(runs.Where(r => r.Trigger == "follow-up"), r => Assert.Contains(r.Result, new[] { RunResults.Published, RunResults.Unchanged }));
        // Everything uploaded was seen by the last run: the trigger now finds nothing new.
        StartResult again = await host.Services.GetRequiredService<PipelineStarter>().StartAsync(host.Client, "blob:again", null, onlyIfInputChanged: true, CancellationToken.None);
        Assert.Equal(StartOutcome.NothingNew, again.Outcome);
    }

    [Fact]
    public async Task StartRunWhileRunning_Returns409WithRunningId()
    {
        await using PipelineTestHost host = await PipelineTestHost.StartAsync(azurite);
        await host.UploadLogAsync("day-1.parquet");
        var api = ActivatorUtilitiesFor<RunsApi>(host);

        IActionResult first = await api.StartRun(Request("POST", "/api/runs"), host.Client, CancellationToken.None);
        IActionResult second = await api.StartRun(Request("POST", "/api/runs"), host.Client, CancellationToken.None);
        await host.WaitAsync();

        var accepted = Assert.IsType<AcceptedResult>(first);
        // Relative: the worker sees the host's forwarding address, not the one the caller used.
        JsonElement body = JsonSerializer.SerializeToElement(accepted.Value);
        string runId = body.GetProperty("runId").GetString()!;
        Assert.Equal($"/api/runs/{Uri.EscapeDataString(runId)}", accepted.Location);
        Assert.Equal(accepted.Location, body.GetProperty("statusUrl").GetString());
        var conflict = Assert.IsType<ConflictObjectResult>(second);
        Assert.Equal(409, conflict.StatusCode);
        var problem = Assert.IsType<ProblemDetails>(conflict.Value);
        Assert.NotNull(problem.Extensions["runningRunId"]);
    }

    private static T ActivatorUtilitiesFor<T>(PipelineTestHost host) => ActivatorUtilities.CreateInstance<T>(host.Services);

    private static async Task<RecommendationsResponse> GetRecommendationsAsync(PipelineTestHost host, string user, int k)
    {
        var api = ActivatorUtilitiesFor<RecommendationsApi>(host);
        IActionResult result = await api.GetRecommendations(Request("GET", $"/api/recommendations/{user}", $"?k={k}"), user, CancellationToken.None);
        return Assert.IsType<RecommendationsResponse>(Assert.IsType<OkObjectResult>(result).Value);
    }

    private static async Task<string> ReadManifestAsync(PipelineTestHost host, string datasetVersion)
    {
        await using Stream stream = await host.Services.GetRequiredService<IArtifactStore>().OpenReadAsync($"datasets/{datasetVersion}/manifest.json");
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync();
    }

    internal static HttpRequest Request(string method, string path, string query = "", string? body = null)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = method;
        context.Request.Scheme = "http";
        context.Request.Host = new HostString("127.0.0.1", 43517); // the worker's own address, where the host forwards requests
        context.Request.Path = path;
        context.Request.QueryString = new QueryString(query);
        if (body is not null)
        {
            byte[] bytes = System.Text.Encoding.UTF8.GetBytes(body);
            context.Request.Body = new MemoryStream(bytes);
            context.Request.ContentLength = bytes.Length;
            context.Request.ContentType = "application/json";
        }

        return context.Request;
    }
}
