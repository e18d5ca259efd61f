using Microsoft.Extensions.Options;
using Recommender.Core.Demo;
using Recommender.Core.Lookup;
using Recommender.Core.Models;
using Recommender.Core.Pipeline;
using Recommender.Core.Storage;
using Recommender.Core.Tests.TestSupport;
using Recommender.Core.Training;

namespace Recommender.Core.Tests.Quality;

/// <summary>
/// A quality floor on MovieLens 100K with the Microsoft Recommenders protocol (per-item stratified
/// 75/25 split, seed 42, K = 10, training items removed), so a regression in any stage fails CI.
/// The full figures are the benchmark's job; this trains a shortened schedule.
/// </summary>
[Trait("Category", "Quality")]
public sealed class MovieLensQualityTests
{
    private const double NdcgFloor = 0.40;

    [SkippableFact]
    public async Task Softmax_RecommendersProtocol_NdcgAt10StaysAboveFloorAndFarAbovePopularity()
    {
        using var folder = new TempDirectory();
        string log = folder.Combine("u.data.parquet");
        await MovieLens.ConvertAsync(RepositoryPaths.MovieLensRatings, log);
        var training = new TrainingOptions { Kind = ModelKind.Softmax, Epochs = 12, Device = TrainingDevice.Cpu };
        var artifacts = new LocalArtifactStore(folder.Combine("artifacts"));
        using var lookup = new SqliteLookupStore(folder.Combine("lookup.db"));
        var stages = PipelineStages.Create(artifacts, lookup, new LocalFileLogSource([log]), Options.Create(MovieLens.BenchmarkPreprocessing()), Options.Create(training), MovieLens.BenchmarkMapping);

        PreprocessStageOutput data = await stages.Preprocess.RunAsync(new PreprocessStageInput("ml"));
        await stages.Train.RunAsync(new TrainStageInput("ml-softmax", data.DatasetVersion, 10, null, null, 0));
        ModelEvaluation evaluation = await stages.Evaluate.EvaluateModelAsync("ml-softmax", data.DatasetVersion, null, 10);

        Assert.Equal((943, 1682, 100_000), (data.Users, data.Items, data.Interactions));
        double ndcg = evaluation.Model["ndcg@10"];
        Assert.True(ndcg >= NdcgFloor, $"ndcg@10 {ndcg:F4} fell below the floor {NdcgFloor}");
        Assert.True(ndcg > 1.5 * evaluation.Popularity["ndcg@10"], $"ndcg@10 {ndcg:F4} vs popularity {evaluation.Popularity["ndcg@10"]:F4}");
    }
}
