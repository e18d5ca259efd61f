using System.Reflection;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Recommender.Core.Demo;
using Recommender.Core.Models;
using Recommender.Core.Pipeline;
using Recommender.Core.Storage;
using Recommender.Core.Training;
using Recommender.Functions.Pipeline.Activities;
using Recommender.Functions.Tests.Infrastructure;
using Recommender.Integration.Tests.Infrastructure;

namespace Recommender.Functions.Tests.Pipeline;

/// <summary>
/// The Durable pipeline end to end for every model kind on explicit and implicit feedback, through the
/// real engine and activities against Azurite: every stage must succeed and the run must publish. A
/// small planted log with ratings and short training keep each run to a few seconds.
/// </summary>
[Trait("Category", "Integration")]
[Collection(AzuriteCollection.Name)]
public sealed class ModelKindPipelineTests(AzuriteFixture azurite)
{
    private static readonly string CliAssembly = typeof(ModelKindPipelineTests).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RecommenderCli").Value!;

    /// <summary>The automatic choice on implicit feedback trains the candidate its leaderboard chose (null below).</summary>
    public static TheoryData<ModelKind, bool, ModelKind?, string> KindsAndFeedback => new()
    {
        { ModelKind.MatrixFactorization, true, ModelKind.MatrixFactorization, "rmse" },
        { ModelKind.Bpr, true, ModelKind.Bpr, "ndcg@10" },
        { ModelKind.Softmax, true, ModelKind.Softmax, "ndcg@10" },
        { ModelKind.Auto, true, ModelKind.MatrixFactorization, "rmse" },
        { ModelKind.Bpr, false, ModelKind.Bpr, "ndcg@10" },
        { ModelKind.Softmax, false, ModelKind.Softmax, "ndcg@10" },
        { ModelKind.Ials, false, ModelKind.Ials, "ndcg@10" },
        { ModelKind.Auto, false, null, "ndcg@10" },
    };

    [Theory]
    [MemberData(nameof(KindsAndFeedback))]
    public async Task Pipeline_ModelKindOnFeedback_EveryStageSucceedsAndPublishes(ModelKind kind, bool isExplicit, ModelKind? trainedKind, string gateMetric)
    {
        await using PipelineTestHost host = await PipelineTestHost.StartAsync(azurite, settings: Settings(kind, isExplicit));
        await host.UploadLogAsync("ratings.parquet", LogFor(isExplicit));

        OrchestrationMetadata run = await host.RunToCompletionAsync();

        await AssertPublishedAsync(host, run, trainedKind, gateMetric);
    }

    [Theory]
    [InlineData(ModelKind.MatrixFactorization, true, ModelKind.MatrixFactorization, "rmse")]
    [InlineData(ModelKind.Auto, false, null, "ndcg@10")] // the child runs the automatic choice too, and reports its leaderboard
    public async Task Pipeline_TrainedByTheChildProcessHost_EveryStageSucceedsAndPublishes(ModelKind kind, bool isExplicit, ModelKind? trainedKind, string gateMetric)
    {
        Dictionary<string, string?> settings = Settings(kind, isExplicit);
        settings["Recommender:TrainingHost:Kind"] = "Process";
        settings["Recommender:TrainingHost:Process:Command"] = $"dotnet \"{CliAssembly}\"";
        settings["Recommender:TrainingHost:Process:Timeout"] = "00:02:00";
        await using PipelineTestHost host = await PipelineTestHost.StartAsync(azurite, settings: settings);
        await host.UploadLogAsync("ratings.parquet", LogFor(isExplicit));

        OrchestrationMetadata run = await host.RunToCompletionAsync();

        await AssertPublishedAsync(host, run, trainedKind, gateMetric);
    }

    [Fact]
    public async Task Pipeline_RefitOff_PublishesTheGatedModelAndTrainsNoRefit()
    {
        Dictionary<string, string?> settings = Settings(ModelKind.Softmax, isExplicit: false);
        settings["Recommender:Training:Refit"] = "false";
        await using PipelineTestHost host = await PipelineTestHost.StartAsync(azurite, settings: settings);
        await host.UploadLogAsync("ratings.parquet", RatingsLog());

        OrchestrationMetadata run = await host.RunToCompletionAsync();

        PipelineOutcome outcome = run.ReadOutputAs<PipelineOutcome>()!;
        Assert.Equal(RunResults.Published, outcome.Result);
        Assert.Null(outcome.Evaluation!.Refit);
        Assert.Null(await TrainedModel.ReadManifestAsync(host.Services.GetRequiredService<IArtifactStore>(), ModelRefit.RunIdOf(outcome.RunId), CancellationToken.None));
    }

    [Fact]
    public async Task Pipeline_RefitCrashesAfterItsFirstChunk_RetryResumesAndTheRefitIsPublished()
    {
        Dictionary<string, string?> settings = Settings(ModelKind.Bpr, isExplicit: false);
        settings["Recommender:Training:EarlyStoppingPatience"] = "0";
        var faults = new ActivityFaults();

        // Six epochs in chunks of five: train calls 1-2 are the gated run's, call 3 the first chunk of the refit
        // (BPR's trains every epoch again), which checkpoints and then fails as a crash would.
        faults.FailAfterCall(nameof(TrainActivity), 3);
        await using PipelineTestHost host = await PipelineTestHost.StartAsync(azurite, faults, settings);
        await host.UploadLogAsync("ratings.parquet", RatingsLog());

        OrchestrationMetadata run = await host.RunToCompletionAsync();

        await AssertPublishedAsync(host, run, ModelKind.Bpr, "ndcg@10");
        Assert.True(faults.Calls(nameof(TrainActivity)) >= 4, $"{faults.Calls(nameof(TrainActivity))} train calls");
    }

    [Fact]
    public async Task Pipeline_AutomaticChoice_TrainsTheCandidatesAsParallelActivitiesAndChoosesAsInTurn()
    {
        var faults = new ActivityFaults();

        // A candidate's chunk crashes after checkpointing (the second training call): its retry resumes.
        faults.FailAfterCall(nameof(TrainActivity), 2);
        Dictionary<string, string?> settings = Settings(ModelKind.Auto, isExplicit: false);
        settings["Recommender:Pipeline:MaxParallelCandidates"] = "3";
        await using PipelineTestHost host = await PipelineTestHost.StartAsync(azurite, faults, settings);
        await host.UploadLogAsync("ratings.parquet", LogFor(isExplicit: false));

        OrchestrationMetadata run = await host.RunToCompletionAsync();

        await AssertPublishedAsync(host, run, trainedKind: null, "ndcg@10");
        Assert.Equal((1, 1), (faults.Calls(nameof(PlanCandidatesActivity)), faults.Calls(nameof(ChooseModelActivity))));
        IReadOnlyList<LeaderboardEntry> fannedOut = run.ReadOutputAs<PipelineOutcome>()!.Leaderboard!;

        // The same run one candidate at a time, in turn, chooses the same model from the same figures.
        Dictionary<string, string?> oneAtATime = Settings(ModelKind.Auto, isExplicit: false);
        oneAtATime["Recommender:Pipeline:MaxParallelCandidates"] = "1";
        await using PipelineTestHost serial = await PipelineTestHost.StartAsync(azurite, settings: oneAtATime);
        await serial.UploadLogAsync("ratings.parquet", LogFor(isExplicit: false));
        IReadOnlyList<LeaderboardEntry> inTurn = (await serial.RunToCompletionAsync()).ReadOutputAs<PipelineOutcome>()!.Leaderboard!;
        Assert.Equal(
            inTurn.Select(entry => (entry.Candidate, entry.Validation, entry.BestEpoch, entry.Chosen)),
            fannedOut.Select(entry => (entry.Candidate, entry.Validation, entry.BestEpoch, entry.Chosen)));
    }

    private static async Task AssertPublishedAsync(PipelineTestHost host, OrchestrationMetadata run, ModelKind? trainedKind, string gateMetric)
    {
        PipelineProgress? status = run.ReadCustomStatusAs<PipelineProgress>();
        Assert.True(run.RuntimeStatus == OrchestrationRuntimeStatus.Completed, $"{run.RuntimeStatus}: stage {status?.FailedStage}: {status?.Error}");
        PipelineOutcome outcome = run.ReadOutputAs<PipelineOutcome>()!;
        Assert.True(outcome.Result == RunResults.Published, outcome.Evaluation?.Reason);
        Assert.StartsWith(gateMetric, outcome.Evaluation!.Reason, StringComparison.Ordinal);
        ModelManifest manifest = (await TrainedModel.ReadManifestAsync(host.Services.GetRequiredService<IArtifactStore>(), outcome.RunId, CancellationToken.None))!;
        if (trainedKind is null)
        {
            // The candidates, then their blend (it beats each of them on this log's validation part).
            Assert.Equal(["ease", "ials", "softmax", "blend"], outcome.Leaderboard!.Select(entry => entry.Candidate));
            trainedKind = Assert.Single(outcome.Leaderboard!, entry => entry.Chosen).Kind;
        }

        Assert.Equal(trainedKind, manifest.Kind);
        Assert.Equal(gateMetric, manifest.MetricName);
        Assert.Equal(outcome.RunId, await host.Lookup.GetActiveVersionAsync());

        // Refit is on by default: the run's model was gated, its refit on train + validation was published.
        // EASE's epochs are fits along a λ grid, so its refit is one fit at the chosen λ.
        // A blend's refit refits each part, then blends them in its one epoch. Softmax continues from its best epoch.
        RefitPlan expected = manifest.Kind switch
        {
            ModelKind.Ease => new RefitPlan(ModelRefit.RunIdOf(outcome.RunId), 1, manifest.Options.Regularization!.Value * Math.Pow(2, manifest.BestEpoch - 1)),
            ModelKind.Blend => new RefitPlan(ModelRefit.RunIdOf(outcome.RunId), 1, BlendParts: manifest.Options.BlendParts!.Count),
            ModelKind.Softmax => new RefitPlan(ModelRefit.RunIdOf(outcome.RunId), ModelRefit.ContinuedEpochs(manifest.BestEpoch), FromSourceWeights: true),
            _ => new RefitPlan(ModelRefit.RunIdOf(outcome.RunId), manifest.BestEpoch),
        };
        Assert.Equal(expected, outcome.Evaluation.Refit);
        ModelManifest refit = (await TrainedModel.ReadManifestAsync(host.Services.GetRequiredService<IArtifactStore>(), ModelRefit.RunIdOf(outcome.RunId), CancellationToken.None))!;
        Assert.Equal((outcome.RunId, expected.Epochs, TrainingStatus.Completed), (refit.RefitOf, refit.Epochs.Count, refit.Status));
        Assert.Equal(manifest.Options.BlendParts?.Select(part => (part.Name, part.Weight)), refit.Options.BlendParts?.Select(part => (part.Name, part.Weight)));
    }

    private static Dictionary<string, string?> Settings(ModelKind kind, bool isExplicit) => new()
    {
        ["Recommender:Training:Kind"] = kind.ToString(),
        ["Recommender:Training:BatchSize"] = "128",
        ["Recommender:Preprocessing:Feedback"] = isExplicit ? "Explicit" : "Implicit",
    };

    private static SyntheticLogOptions RatingsLog() => PipelineTestHost.SmallLog() with { Ratings = true };

    /// <summary>
    /// Explicit runs read the ratings; implicit ones a log without them, every interaction alike (EASE reads a
    /// rating as its interaction's strength, and on the ratings log it then beats the blend of the candidates).
    /// </summary>
    private static SyntheticLogOptions LogFor(bool isExplicit) => isExplicit ? RatingsLog() : PipelineTestHost.SmallLog();
}
