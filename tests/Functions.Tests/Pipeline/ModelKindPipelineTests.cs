using System.Reflection;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Recommender.Core.Demo;
using Recommender.Core.Models;
using Recommender.Core.Pipeline;
using Recommender.Core.Storage;
using Recommender.Core.Training;
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

    public static TheoryData<ModelKind, bool, ModelKind, string> KindsAndFeedback => new()
    {
        { ModelKind.MatrixFactorization, true, ModelKind.MatrixFactorization, "rmse" },
        { ModelKind.Bpr, true, ModelKind.Bpr, "ndcg@10" },
        { ModelKind.Softmax, true, ModelKind.Softmax, "ndcg@10" },
        { ModelKind.Auto, true, ModelKind.MatrixFactorization, "rmse" },
        { ModelKind.Bpr, false, ModelKind.Bpr, "ndcg@10" },
        { ModelKind.Softmax, false, ModelKind.Softmax, "ndcg@10" },
        { ModelKind.Auto, false, ModelKind.Softmax, "ndcg@10" },
    };

    [Theory]
    [MemberData(nameof(KindsAndFeedback))]
    public async Task Pipeline_ModelKindOnFeedback_EveryStageSucceedsAndPublishes(ModelKind kind, bool isExplicit, ModelKind trainedKind, string gateMetric)
    {
        await using PipelineTestHost host = await PipelineTestHost.StartAsync(azurite, settings: Settings(kind, isExplicit));
        await host.UploadLogAsync("ratings.parquet", RatingsLog());

        OrchestrationMetadata run = await host.RunToCompletionAsync();

        await AssertPublishedAsync(host, run, trainedKind, gateMetric);
    }

    [Fact]
    public async Task Pipeline_MatrixFactorizationTrainedByTheChildProcessHost_EveryStageSucceedsAndPublishes()
    {
        Dictionary<string, string?> settings = Settings(ModelKind.MatrixFactorization, isExplicit: true);
        settings["Recommender:TrainingHost:Kind"] = "Process";
        settings["Recommender:TrainingHost:Process:Command"] = $"dotnet \"{CliAssembly}\"";
        settings["Recommender:TrainingHost:Process:Timeout"] = "00:02:00";
        await using PipelineTestHost host = await PipelineTestHost.StartAsync(azurite, settings: settings);
        await host.UploadLogAsync("ratings.parquet", RatingsLog());

        OrchestrationMetadata run = await host.RunToCompletionAsync();

        await AssertPublishedAsync(host, run, ModelKind.MatrixFactorization, "rmse");
    }

    private static async Task AssertPublishedAsync(PipelineTestHost host, OrchestrationMetadata run, ModelKind trainedKind, string gateMetric)
    {
        PipelineProgress? status = run.ReadCustomStatusAs<PipelineProgress>();
        Assert.True(run.RuntimeStatus == OrchestrationRuntimeStatus.Completed, $"{run.RuntimeStatus}: stage {status?.FailedStage}: {status?.Error}");
        PipelineOutcome outcome = run.ReadOutputAs<PipelineOutcome>()!;
        Assert.True(outcome.Result == RunResults.Published, outcome.Evaluation?.Reason);
        Assert.StartsWith(gateMetric, outcome.Evaluation!.Reason, StringComparison.Ordinal);
        ModelManifest manifest = (await TrainedModel.ReadManifestAsync(host.Services.GetRequiredService<IArtifactStore>(), outcome.RunId, CancellationToken.None))!;
        Assert.Equal(trainedKind, manifest.Kind);
        Assert.Equal(gateMetric, manifest.MetricName);
        Assert.Equal(outcome.RunId, await host.Lookup.GetActiveVersionAsync());
    }

    private static Dictionary<string, string?> Settings(ModelKind kind, bool isExplicit) => new()
    {
        ["Recommender:Training:Kind"] = kind.ToString(),
        ["Recommender:Training:BatchSize"] = "128",
        ["Recommender:Preprocessing:Feedback"] = isExplicit ? "Explicit" : "Implicit",
    };

    private static SyntheticLogOptions RatingsLog() => PipelineTestHost.SmallLog() with { Ratings = true };
}
