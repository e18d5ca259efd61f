using Microsoft.AspNetCore.Mvc;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Recommender.Core.Demo;
using Recommender.Core.Pipeline;
using Recommender.Core.Storage;
using Recommender.Functions.Api;
using Recommender.Functions.Pipeline;
using Recommender.Functions.Tests.Infrastructure;
using Recommender.Functions.Triggers;
using Recommender.Integration.Tests.Infrastructure;

namespace Recommender.Functions.Tests.Pipeline;

/// <summary>
/// What a run's record and <c>GET /api/runs/{runId}</c> tell about its input, and what a trigger's run does
/// when its input makes the live version's dataset again (an upload that was rejected).
/// </summary>
[Trait("Category", "Integration")]
[Collection(AzuriteCollection.Name)]
public sealed class RunRecordTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task PublishedRun_RecordAndApi_ListEachLogReadOrRejectedWithRowsUsersAndItems()
    {
        await using PipelineTestHost host = await PipelineTestHost.StartAsync(azurite);
        await host.UploadLogAsync("good.parquet");
        await host.Interactions.GetBlobClient("notes.parquet").UploadAsync(BinaryData.FromString("user,item\n1,2\n"));

        OrchestrationMetadata run = await host.RunToCompletionAsync();

        string runId = run.ReadOutputAs<PipelineOutcome>()!.RunId;
        RunView view = await GetRunAsync(host, runId);
        Assert.Equal(RunResults.Published, view.Status);
        PreprocessingSummary summary = view.Record!.Preprocessing!;
        InputLogSummary good = Assert.Single(summary.Files, file => file.Source == "good.parquet");
        Assert.Equal(InputLogSummary.ReadStatus, good.Status);
        Assert.True(good.RowsRead > 0);
        InputLogSummary rejected = Assert.Single(summary.Files, file => file.Source == "notes.parquet");
        Assert.Equal(InputLogSummary.RejectedStatus, rejected.Status);
        Assert.StartsWith("notes.parquet: ", rejected.Reason, StringComparison.Ordinal);
        Assert.Equal(1, summary.FilesRejected);
        Assert.Equal(good.RowsRead, summary.RowsRead);
        Assert.Equal(300, summary.Users);
        Assert.InRange(summary.Items, 100, 120);
        Assert.True(summary.Interactions + summary.DuplicatesCombined + summary.KCoreRowsRemoved <= summary.RowsRead - summary.RowsDropped.Values.Sum());
    }

    [Fact]
    public async Task ColumnSetting_UserColumnTheLogLacks_RunFailsInPreprocessNamingTheLogAndTheColumn()
    {
        // The app reads the column mapping from its settings, as the CLI takes --user-column.
        await using PipelineTestHost host = await PipelineTestHost.StartAsync(azurite, settings: new Dictionary<string, string?> { ["Recommender:Columns:UserColumn"] = "customer" });
        await host.UploadLogAsync("good.parquet");

        OrchestrationMetadata run = await host.RunToCompletionAsync();

        PipelineProgress status = run.ReadCustomStatusAs<PipelineProgress>()!;
        Assert.Equal(OrchestrationRuntimeStatus.Failed, run.RuntimeStatus);
        Assert.Equal("preprocess", status.FailedStage);
        Assert.Contains("good.parquet", status.Error, StringComparison.Ordinal);
        Assert.Contains("customer", status.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UploadTrigger_OnlyNewLogIsTruncated_RunEndsUnchangedWithoutTrainingAndSaysWhy()
    {
        await using PipelineTestHost host = await PipelineTestHost.StartAsync(azurite);
        await host.UploadLogAsync("day-1.parquet");
        string live = (await host.RunToCompletionAsync()).ReadOutputAs<PipelineOutcome>()!.RunId;
        await UploadTruncatedLogAsync(host, "day-2.parquet");
        var triggers = ActivatorUtilities.CreateInstance<PipelineTriggers>(host.Services);

        await triggers.InteractionsBlobTrigger(host.Interactions.GetBlobClient("day-2.parquet"), "day-2.parquet", host.Client, CancellationToken.None);
        OrchestrationMetadata run = await host.WaitAsync();

        PipelineOutcome outcome = run.ReadOutputAs<PipelineOutcome>()!;
        Assert.Equal(RunResults.Unchanged, outcome.Result);
        Assert.Equal(live, await host.Lookup.GetActiveVersionAsync());
        RunView view = await GetRunAsync(host, outcome.RunId);
        Assert.Equal(RunResults.Unchanged, view.Status);
        Assert.Equal("blob:day-2.parquet", view.Record!.Trigger);
        Assert.Contains("input unchanged", view.Record.Reason, StringComparison.Ordinal);
        InputLogSummary truncated = Assert.Single(view.Record.Preprocessing!.Files, file => file.Source == "day-2.parquet");
        Assert.Equal(InputLogSummary.RejectedStatus, truncated.Status);
        Assert.Contains("day-2.parquet", truncated.Reason, StringComparison.Ordinal);
        // Nothing was trained for it, and the same upload does not start another run.
        await foreach (ArtifactInfo artifact in host.Services.GetRequiredService<IArtifactStore>().ListAsync($"models/{outcome.RunId}/"))
        {
            Assert.Fail($"The unchanged run wrote {artifact.Path}.");
        }

        StartResult again = await host.Services.GetRequiredService<PipelineStarter>().StartAsync(host.Client, "timer", null, onlyIfInputChanged: true, CancellationToken.None);
        Assert.Equal(StartOutcome.NothingNew, again.Outcome);
    }

    [Fact]
    public async Task RunAskedForOverHttp_SameDatasetAsLive_TrainsAndPublishesAnyway()
    {
        await using PipelineTestHost host = await PipelineTestHost.StartAsync(azurite);
        await host.UploadLogAsync("day-1.parquet");
        string first = (await host.RunToCompletionAsync()).ReadOutputAs<PipelineOutcome>()!.RunId;

        PipelineOutcome second = (await host.RunToCompletionAsync()).ReadOutputAs<PipelineOutcome>()!;

        Assert.Equal(RunResults.Published, second.Result);
        Assert.NotEqual(first, second.RunId);
        Assert.Equal(second.RunId, await host.Lookup.GetActiveVersionAsync());
    }

    [Fact]
    public async Task Triggers_InputTheGateRejected_IsNotTrainedAgainUntilNewDataArrives()
    {
        await using PipelineTestHost host = await PipelineTestHost.StartAsync(
            azurite, settings: new Dictionary<string, string?> { ["Recommender:Pipeline:MinNdcgVersusPopularity"] = "100", ["Recommender:Training:Epochs"] = "2" });
        var starter = host.Services.GetRequiredService<PipelineStarter>();
        await host.UploadLogAsync("day-1.parquet");
        PipelineOutcome rejected = (await host.RunToCompletionAsync("blob:day-1.parquet")).ReadOutputAs<PipelineOutcome>()!;

        StartResult nightly = await starter.StartAsync(host.Client, "timer", null, onlyIfInputChanged: true, CancellationToken.None);
        await host.UploadLogAsync("day-2.parquet", PipelineTestHost.SmallLog(seed: 7));
        StartResult upload = await starter.StartAsync(host.Client, "blob:day-2.parquet", null, onlyIfInputChanged: true, CancellationToken.None);
        OrchestrationMetadata next = await host.WaitAsync();

        Assert.Equal(RunResults.Rejected, rejected.Result);
        Assert.Equal(new StartResult(StartOutcome.NothingNew, rejected.RunId), nightly);
        Assert.Equal(StartOutcome.Started, upload.Outcome);
        Assert.Equal(upload.RunId, next.ReadOutputAs<PipelineOutcome>()!.RunId);
    }

    [Fact]
    public async Task Triggers_InputRejectedInARunWithOverrides_IsTrainedAgainWithTheAppsOwnSettings()
    {
        await using PipelineTestHost host = await PipelineTestHost.StartAsync(
            azurite, settings: new Dictionary<string, string?> { ["Recommender:Pipeline:MinNdcgVersusPopularity"] = "100", ["Recommender:Training:Epochs"] = "2" });
        var starter = host.Services.GetRequiredService<PipelineStarter>();
        await host.UploadLogAsync("day-1.parquet");
        StartResult asked = await starter.StartAsync(host.Client, "http", new TrainingOverrides { Epochs = 1 }, onlyIfInputChanged: false, CancellationToken.None);
        PipelineOutcome rejected = (await host.WaitAsync()).ReadOutputAs<PipelineOutcome>()!;

        StartResult nightly = await starter.StartAsync(host.Client, "timer", null, onlyIfInputChanged: true, CancellationToken.None);
        await host.WaitAsync();

        Assert.Equal((StartOutcome.Started, RunResults.Rejected), (asked.Outcome, rejected.Result));
        Assert.Equal(new TrainingOverrides { Epochs = 1 }, (await host.Services.GetRequiredService<RunHistory>().GetAsync(rejected.RunId))!.Overrides);
        Assert.Equal(StartOutcome.Started, nightly.Outcome);
    }

    [Fact]
    public void RunIdOf_RunScheduledButNotStarted_IsItsInputsRunId()
    {
        var request = new PipelineRunRequest("20261207-000000-a1b2c3", "test", PipelineRunSettings.From(new PipelineOptions()));
        var converter = Microsoft.DurableTask.Converters.JsonDataConverter.Default;

        // Before the orchestrator's first step there is no progress (custom status) yet, only the input.
        var scheduled = new OrchestrationMetadata(TrainingPipelineOrchestrator.Name, PipelineStarter.InstanceId)
        {
            RuntimeStatus = OrchestrationRuntimeStatus.Pending,
            SerializedInput = converter.Serialize(request),
            DataConverter = converter,
        };
        // Just continued as new with a follow-up: the progress is still the run before's.
        var followUp = request with { RunId = "20261207-010000-d4e5f6", Trigger = "follow-up", FollowUpOf = request.RunId };
        var continued = new OrchestrationMetadata(TrainingPipelineOrchestrator.Name, PipelineStarter.InstanceId)
        {
            RuntimeStatus = OrchestrationRuntimeStatus.Running,
            SerializedInput = converter.Serialize(followUp),
            SerializedCustomStatus = converter.Serialize(new PipelineProgress(request.RunId, PipelineStageNames.Done)),
            DataConverter = converter,
        };

        Assert.Equal(request.RunId, PipelineStarter.RunIdOf(scheduled));
        Assert.Equal(followUp.RunId, PipelineStarter.RunIdOf(continued));
    }

    private static async Task UploadTruncatedLogAsync(PipelineTestHost host, string name)
    {
        using var buffer = new MemoryStream();
        await SyntheticInteractionLog.WriteAsync(buffer, PipelineTestHost.SmallLog(seed: 9));
        byte[] whole = buffer.ToArray();
        await host.Interactions.GetBlobClient(name).UploadAsync(BinaryData.FromBytes(whole.AsMemory(0, whole.Length / 2)), overwrite: true);
    }

    private static async Task<RunView> GetRunAsync(PipelineTestHost host, string runId)
    {
        var api = ActivatorUtilities.CreateInstance<RunsApi>(host.Services);
        IActionResult result = await api.GetRun(TrainingPipelineTests.Request("GET", $"/api/runs/{runId}"), runId, host.Client, CancellationToken.None);
        return Assert.IsType<RunView>(Assert.IsType<OkObjectResult>(result).Value);
    }
}
