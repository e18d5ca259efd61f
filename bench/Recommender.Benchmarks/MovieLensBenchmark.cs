using System.Diagnostics;
using Microsoft.Extensions.Options;
using Recommender.Core.Demo;
using Recommender.Core.Ingestion;
using Recommender.Core.Lookup;
using Recommender.Core.Models;
using Recommender.Core.Pipeline;
using Recommender.Core.Preprocessing;
using Recommender.Core.Storage;
using Recommender.Core.Training;

namespace Recommender.Benchmarks;

/// <summary>
/// MovieLens 100K with the Microsoft Recommenders benchmark protocol: per-item stratified 75/25
/// split (seed 42), every held-out rating relevant, training items removed from the rankings,
/// K = 10. Each model is trained through the pipeline's own stages and measured beside the
/// popularity baseline.
/// </summary>
internal static class MovieLensBenchmark
{
    public static async Task<IReadOnlyList<Measurement>> RunAsync(string repository, string workFolder)
    {
        string ratings = FindRatings(repository);
        string folder = Path.Combine(workFolder, "movielens");
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }

        Directory.CreateDirectory(folder);
        string log = Path.Combine(folder, "u.data.parquet");
        await MovieLens.ConvertAsync(ratings, log).ConfigureAwait(false);

        PreprocessingOptions preprocessing = MovieLens.BenchmarkPreprocessing();
        var artifacts = new LocalArtifactStore(Path.Combine(folder, "artifacts"));
        using var lookup = new SqliteLookupStore(Path.Combine(folder, "lookup.db"));
        ColumnMapping mapping = MovieLens.BenchmarkMapping;

        var measurements = new List<Measurement>();
        (string Name, TrainingOptions Options)[] configurations =
        [
            ("softmax", new TrainingOptions { Kind = ModelKind.Softmax, Device = TrainingDevice.Cpu }),
            ("bpr", new TrainingOptions { Kind = ModelKind.Bpr, Device = TrainingDevice.Cpu }),
            ("ease", new TrainingOptions { Kind = ModelKind.Ease, Device = TrainingDevice.Cpu }),
        ];
        PreprocessStageOutput? data = null;
        foreach ((string name, TrainingOptions options) in configurations)
        {
            var stages = new PipelineStages(artifacts, lookup, new LocalFileLogSource([log]), Options.Create(preprocessing), Options.Create(options), mapping);
            data ??= await stages.PreprocessAsync(new PreprocessStageInput("movielens")).ConfigureAwait(false);
            var clock = Stopwatch.StartNew();
            TrainStageOutput trained = await stages.TrainAsync(new TrainStageInput($"movielens-{name}", data.DatasetVersion, 10, null, null, 0)).ConfigureAwait(false);
            double seconds = clock.Elapsed.TotalSeconds;
            ModelEvaluation evaluation = await stages.EvaluateModelAsync($"movielens-{name}", data.DatasetVersion, null, 10).ConfigureAwait(false);
            measurements.Add(new Measurement("movielens", name, seconds, 0, Figures(evaluation.Model, trained)));
            if (measurements.Count == 1)
            {
                measurements.Add(new Measurement("movielens", "popularity", 0, 0, Figures(evaluation.Popularity, null)));
            }
        }

        return measurements;
    }

    private static Dictionary<string, double> Figures(IReadOnlyDictionary<string, double> metrics, TrainStageOutput? trained)
    {
        var figures = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (string name in new[] { "precision@10", "recall@10", "ndcg@10", "map", "map@10" })
        {
            figures[name] = Math.Round(metrics[name], 4);
        }

        if (trained is not null)
        {
            figures["epochs"] = trained.EpochsDone;
            figures["bestEpoch"] = trained.BestEpoch;
        }

        return figures;
    }

    internal static string FindRatings(string repository)
    {
        for (var folder = new DirectoryInfo(repository); folder is not null; folder = folder.Parent)
        {
            string candidate = Path.Combine(folder.FullName, "shared", "data", "movielens-100k", "u.data");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException("MovieLens 100K (shared/data/movielens-100k/u.data) was not found above the repository.");
    }
}
