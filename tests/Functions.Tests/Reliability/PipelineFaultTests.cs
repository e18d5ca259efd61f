using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Recommender.Core.Lookup;
using Recommender.Core.Pipeline;
using Recommender.Functions.Api;
using Recommender.Functions.Pipeline;
using Recommender.Functions.Pipeline.Activities;
using Recommender.Functions.Tests.Infrastructure;
using Recommender.Functions.Tests.Pipeline;
using Recommender.Integration.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Recommender.Functions.Tests.Reliability;

/// <summary>The pipeline under storage outages, crashes before publish and racing starts.</summary>
[Trait("Category", "Integration")]
[Collection(ReliabilityCollection.Name)]
public sealed class PipelineFaultTests(AzuriteFixture azurite, ReliabilityReport report, ITestOutputHelper output)
{
    // Storage retries wide enough to ride out a few seconds without the emulator (0.5, 1, 2, 4, 8 s...).
    private static readonly Dictionary<string, string?> PatientStorage = new()
    {
        ["Recommender:Storage:MaxRetries"] = "8",
        ["Recommender:Storage:RetryDelay"] = "00:00:00.500",
        ["Recommender:Training:Epochs"] = "4",
    };

    [Fact]
    public async Task StorageDownMidRun_ActivitiesRetry_RunStillPublishes()
    {
        var faults = new ActivityFaults();
        await using PipelineTestHost host = await PipelineTestHost.StartAsync(azurite, faults, PatientStorage);
        await host.UploadLogAsync("day-1.parquet");
        var clock = Stopwatch.StartNew();
        StartResult started = await host.Services.GetRequiredService<PipelineStarter>().StartAsync(host.Client, "test", null, onlyIfInputChanged: false, CancellationToken.None);
        Assert.Equal(StartOutcome.Started, started.Outcome);
        string stageAtOutage = await WaitForStageAsync(host, ["train", "evaluate", "score"]);

        var outage = Stopwatch.StartNew();
        try
        {
            await azurite.StopAsync();
            await Task.Delay(TimeSpan.FromSeconds(2.5));
        }
        finally
        {
            await azurite.RestartAsync();
        }

        outage.Stop();
        OrchestrationMetadata run = await host.WaitAsync();
        clock.Stop();

        PipelineProgress? status = run.ReadCustomStatusAs<PipelineProgress>();
        Assert.True(run.RuntimeStatus == OrchestrationRuntimeStatus.Completed, $"Run ended {run.RuntimeStatus}: {status?.FailedStage} {status?.Error}");
        PipelineOutcome outcome = run.ReadOutputAs<PipelineOutcome>()!;
        Assert.Equal(RunResults.Published, outcome.Result);
        Assert.Equal(outcome.RunId, await host.Lookup.GetActiveVersionAsync());
        string figures = string.Create(CultureInfo.InvariantCulture,
            $"published; Azurite down {outage.Elapsed.TotalSeconds:F1} s (incl. restart) during stage `{stageAtOutage}`; run took {clock.Elapsed.TotalSeconds:F1} s; activity calls: train {faults.Calls(nameof(TrainActivity))}, evaluate {faults.Calls(nameof(EvaluateActivity))}, score shards {faults.Calls(nameof(ScoreShardActivity))}, publish {faults.Calls(nameof(PublishActivity))}");
        output.WriteLine(figures);
        report.Record(ReliabilityReport.Cases[0], figures);
    }

    [Fact]
    public async Task CrashBetweenScoringAndPublish_OldVersionStaysLive_NextPublishDeletesOrphan()
    {
        var faults = new ActivityFaults();
        await using PipelineTestHost host = await PipelineTestHost.StartAsync(azurite, faults, new Dictionary<string, string?> { ["Recommender:Training:Epochs"] = "3" });
        await host.UploadLogAsync("day-1.parquet");
        string live = (await host.RunToCompletionAsync()).ReadOutputAs<PipelineOutcome>()!.RunId;

        // Every attempt of the crashed run's publish fails (the orchestration tries 4 times).
        faults.FailBefore(nameof(PublishActivity), times: 4);
        await host.UploadLogAsync("day-2.parquet", PipelineTestHost.SmallLog(seed: 7));
        OrchestrationMetadata crashed = await host.RunToCompletionAsync();
        PipelineProgress crashedStatus = crashed.ReadCustomStatusAs<PipelineProgress>()!;
        string orphan = crashedStatus.RunId;
        RecommendationsResponse duringOutage = await GetRecommendationsAsync(host, "user-000007");
        IReadOnlyList<LookupVersion> afterCrash = await host.Lookup.ListVersionsAsync();
        UserRecommendations? orphanRow = await host.Lookup.GetAsync("user-000007", orphan);

        OrchestrationMetadata next = await host.RunToCompletionAsync();
        string newLive = next.ReadOutputAs<PipelineOutcome>()!.RunId;
        IReadOnlyList<LookupVersion> afterNext = await host.Lookup.ListVersionsAsync();

        Assert.Equal(OrchestrationRuntimeStatus.Failed, crashed.RuntimeStatus);
        Assert.Equal("publish", crashedStatus.FailedStage);
        Assert.Equal(live, duringOutage.ModelVersion);
        Assert.Contains(afterCrash, v => v.Version == orphan && !v.IsPublished && !v.IsActive);
        Assert.NotNull(orphanRow);
        Assert.Null(await host.Lookup.GetAsync("user-000007", orphan));
        Assert.Equal(RunResults.Published, next.ReadOutputAs<PipelineOutcome>()!.Result);
        Assert.DoesNotContain(afterNext, v => v.Version == orphan);
        Assert.Contains(afterNext, v => v.Version == live && !v.IsActive);
        Assert.Contains(afterNext, v => v.Version == newLive && v.IsActive);
        string figures = $"run failed in `publish` after {faults.Calls(nameof(PublishActivity)) - 2} attempts; API kept serving the old version; the orphan version's scored rows stayed unpublished until the next publish pruned them (versions listed after the crash: {afterCrash.Count}, after the next run: {afterNext.Count})";
        output.WriteLine(figures);
        report.Record(ReliabilityReport.Cases[1], figures);
    }

    [Fact]
    public async Task PublishFailsAfterTheSwitch_RetryFindsItLive_RunIsPublished()
    {
        var faults = new ActivityFaults().FailAfterCall(nameof(PublishActivity), call: 1);
        await using PipelineTestHost host = await PipelineTestHost.StartAsync(azurite, faults, new Dictionary<string, string?> { ["Recommender:Training:Epochs"] = "2" });
        await host.UploadLogAsync("day-1.parquet");

        OrchestrationMetadata run = await host.RunToCompletionAsync();

        PipelineProgress? status = run.ReadCustomStatusAs<PipelineProgress>();
        Assert.True(run.RuntimeStatus == OrchestrationRuntimeStatus.Completed, $"Run ended {run.RuntimeStatus}: {status?.FailedStage} {status?.Error}");
        PipelineOutcome outcome = run.ReadOutputAs<PipelineOutcome>()!;
        Assert.Equal(RunResults.Published, outcome.Result);
        Assert.Equal(2, faults.Calls(nameof(PublishActivity)));
        Assert.Equal(outcome.RunId, await host.Lookup.GetActiveVersionAsync());
        Assert.NotNull(await host.Lookup.GetFallbackAsync());
        Assert.Equal(RunResults.Published, (await host.Services.GetRequiredService<RunHistory>().GetAsync(outcome.RunId))!.Result);
    }

    [Fact]
    public async Task NewInputCheckFailsAfterPublish_RunStaysPublished()
    {
        var faults = new ActivityFaults().FailBefore(nameof(InputChangedActivity), times: 4);
        await using PipelineTestHost host = await PipelineTestHost.StartAsync(azurite, faults, new Dictionary<string, string?> { ["Recommender:Training:Epochs"] = "2" });
        await host.UploadLogAsync("day-1.parquet");

        OrchestrationMetadata run = await host.RunToCompletionAsync();

        Assert.Equal(OrchestrationRuntimeStatus.Completed, run.RuntimeStatus);
        PipelineOutcome outcome = run.ReadOutputAs<PipelineOutcome>()!;
        Assert.Equal(RunResults.Published, outcome.Result);
        Assert.Equal(4, faults.Calls(nameof(InputChangedActivity)));
        RunRecord record = (await host.Services.GetRequiredService<RunHistory>().GetAsync(outcome.RunId))!;
        Assert.Equal((RunResults.Published, (string?)null), (record.Result, record.FailedStage));
    }

    [Fact]
    public async Task TwoStartRequestsAtOnce_ExactlyOneStarts_OtherGets409()
    {
        await using PipelineTestHost host = await PipelineTestHost.StartAsync(azurite, settings: new Dictionary<string, string?> { ["Recommender:Training:Epochs"] = "2" });
        await host.UploadLogAsync("day-1.parquet");
        var api = ActivatorUtilities.CreateInstance<RunsApi>(host.Services);
        using var gate = new ManualResetEventSlim();
        Task<IActionResult> Request() => Task.Run(() =>
        {
            gate.Wait();
            return api.StartRun(TrainingPipelineTests.Request("POST", "/api/runs"), host.Client, CancellationToken.None);
        });

        Task<IActionResult>[] requests = [Request(), Request()];
        gate.Set();
        IActionResult[] results = await Task.WhenAll(requests);
        OrchestrationMetadata run = await host.WaitAsync();

        Assert.Single(results.OfType<AcceptedResult>());
        ConflictObjectResult conflict = Assert.Single(results.OfType<ConflictObjectResult>());
        Assert.Equal(409, conflict.StatusCode);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, run.RuntimeStatus);
        var runs = new List<RunRecord>();
        await foreach (RunRecord record in host.Services.GetRequiredService<RunHistory>().ListAsync())
        {
            runs.Add(record);
        }

        Assert.Single(runs);
        string figures = $"1 started (202), 1 refused (409, running run `{((Microsoft.AspNetCore.Mvc.ProblemDetails)conflict.Value!).Extensions["runningRunId"]}`); one run recorded, {runs[0].Result}";
        output.WriteLine(figures);
        report.Record(ReliabilityReport.Cases[2], figures);
    }

    private static async Task<string> WaitForStageAsync(PipelineTestHost host, string[] stages)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        while (true)
        {
            OrchestrationMetadata? instance = await host.Client.GetInstanceAsync(PipelineStarter.InstanceId, getInputsAndOutputs: true, timeout.Token);
            string? stage = instance?.ReadCustomStatusAs<PipelineProgress>()?.Stage;
            if (stage is not null && stages.Contains(stage))
            {
                return stage;
            }

            Assert.True(instance is null || PipelineStarter.IsActive(instance.RuntimeStatus), $"The run ended ({instance?.RuntimeStatus}) before reaching {string.Join("/", stages)}.");
            await Task.Delay(50, timeout.Token);
        }
    }

    private static async Task<RecommendationsResponse> GetRecommendationsAsync(PipelineTestHost host, string user)
    {
        var api = ActivatorUtilities.CreateInstance<RecommendationsApi>(host.Services);
        IActionResult result = await api.GetRecommendations(TrainingPipelineTests.Request("GET", $"/api/recommendations/{user}", "?k=5"), user, CancellationToken.None);
        return Assert.IsType<RecommendationsResponse>(Assert.IsType<OkObjectResult>(result).Value);
    }
}
