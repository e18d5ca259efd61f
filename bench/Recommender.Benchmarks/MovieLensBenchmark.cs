using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Options;
using Recommender.Core.Datasets;
using Recommender.Core.Demo;
using Recommender.Core.Evaluation;
using Recommender.Core.Ingestion;
using Recommender.Core.Lookup;
using Recommender.Core.Models;
using Recommender.Core.Pipeline;
using Recommender.Core.Preprocessing;
using Recommender.Core.Scoring;
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
            var stages = PipelineStages.Create(artifacts, lookup, new LocalFileLogSource([log]), Options.Create(preprocessing), Options.Create(options), mapping);
            data ??= await stages.Preprocess.RunAsync(new PreprocessStageInput("movielens")).ConfigureAwait(false);
            var clock = Stopwatch.StartNew();
            TrainStageOutput trained = await stages.Train.RunAsync(new TrainStageInput($"movielens-{name}", data.DatasetVersion, 10, null, null, 0)).ConfigureAwait(false);
            double seconds = clock.Elapsed.TotalSeconds;
            ModelEvaluation evaluation = await stages.Evaluate.EvaluateModelAsync($"movielens-{name}", data.DatasetVersion, null, 10).ConfigureAwait(false);
            measurements.Add(new Measurement("movielens", name, seconds, 0, Figures(evaluation.Model, trained)));
            if (measurements.Count == 1)
            {
                measurements.Add(new Measurement("movielens", "popularity", 0, 0, Figures(evaluation.Popularity, null)));
            }
        }

        foreach ((string protocol, SplitKind split) in new[] { ("item split", SplitKind.StratifiedPerItem), ("user split", SplitKind.RandomPerUser) })
        {
            measurements.AddRange(await RefitAsync(log, Path.Combine(folder, $"refit-{split}"), protocol, split).ConfigureAwait(false));
        }

        return measurements;
    }

    /// <summary>
    /// The refit's effect, measured where it can be: MovieLens is split 75/25 (seed 42) by
    /// <paramref name="outerSplit"/> into what the user gives <c>run</c> and a test set it never sees. The
    /// pipeline then splits the given 75% again (its default, 75/25 per item, seed 42) to choose the epoch
    /// count, and each model is measured on the test set twice: as trained on the inner train part only (no
    /// refit), and refit on everything it was given for that many epochs.
    /// </summary>
    private static async Task<IReadOnlyList<Measurement>> RefitAsync(string log, string folder, string protocol, SplitKind outerSplit)
    {
        Directory.CreateDirectory(folder);
        var outerArtifacts = new LocalArtifactStore(Path.Combine(folder, "outer"));
        var outerOptions = new PreprocessingOptions { Feedback = FeedbackKind.Explicit, Split = new SplitOptions { Kind = outerSplit, TrainRatio = 0.75, Seed = 42 } };
        PreprocessingResult split = await new PreprocessStep().RunAsync(new LocalFileLogSource([log]), ColumnMapping.AutoDetect, outerOptions, outerArtifacts).ConfigureAwait(false);
        CuratedDataset outer = await new CuratedDatasetReader(outerArtifacts).ReadAsync(split.DatasetVersion).ConfigureAwait(false);
        string given = await WriteGivenLogAsync(outer, folder).ConfigureAwait(false);

        var measurements = new List<Measurement>();
        var seen = UserItemSets.FromInteractions(outer.Train, outer.UserCount, outer.ItemCount);
        var relevant = UserItemSets.FromInteractions(outer.Validation, outer.UserCount, outer.ItemCount);
        RecommendationLists popular = PopularityRecommender.FromDataset(outer).Recommend(10, 0, outer.UserCount, seen);
        var popularity = new Dictionary<string, double>(RankingEvaluator.Evaluate(popular, relevant, 10).ToDictionary());
        popularity["rmse"] = Math.Round(ItemMeanRatingBaseline.Evaluate(outer).Rmse, 4);
        measurements.Add(new Measurement("movielens", $"popularity ({protocol})", 0, 0, Figures(popularity, null)));

        var inner = new LocalArtifactStore(Path.Combine(folder, "inner"));
        using var lookup = new SqliteLookupStore(Path.Combine(folder, "lookup.db"));
        var implicitInput = (MovieLens.BenchmarkPreprocessing(), MovieLens.BenchmarkMapping);
        var explicitInput = (MovieLens.BenchmarkPreprocessing(), ColumnMapping.AutoDetect);
        explicitInput.Item1.Feedback = FeedbackKind.Explicit;
        (string Name, ModelKind Kind, (PreprocessingOptions Options, ColumnMapping Mapping) Input)[] models =
        [
            ("softmax", ModelKind.Softmax, implicitInput),
            ("bpr", ModelKind.Bpr, implicitInput),
            ("mf", ModelKind.MatrixFactorization, explicitInput),
        ];
        foreach ((string name, ModelKind kind, (PreprocessingOptions options, ColumnMapping mapping)) in models)
        {
            var training = new TrainingOptions { Kind = kind, Device = TrainingDevice.Cpu };
            var stages = PipelineStages.Create(inner, lookup, new LocalFileLogSource([given]), Options.Create(options), Options.Create(training), mapping);
            PreprocessStageOutput data = await stages.Preprocess.RunAsync(new PreprocessStageInput(name)).ConfigureAwait(false);
            string runId = $"{name}-{outerSplit}";
            var clock = Stopwatch.StartNew();
            TrainStageOutput trained = await stages.Train.RunAsync(new TrainStageInput(runId, data.DatasetVersion, 10, null, null, 0)).ConfigureAwait(false);
            double trainSeconds = clock.Elapsed.TotalSeconds;
            clock.Restart();
            await stages.Train.RunAsync(new TrainStageInput(ModelRefit.RunIdOf(runId), data.DatasetVersion, 10, null, null, 0) { RefitOf = runId }).ConfigureAwait(false);
            double refitSeconds = clock.Elapsed.TotalSeconds;
            foreach ((string contender, string model, double seconds) in new[] { (name, runId, trainSeconds), ($"{name}+refit", ModelRefit.RunIdOf(runId), trainSeconds + refitSeconds) })
            {
                TrainedModel trainedModel = await TrainedModel.LoadAsync(inner, model).ConfigureAwait(false);
                FactorSnapshot aligned = FactorAlignment.AlignTo(trainedModel, outer);
                using var scorer = new TopKScorer(aligned, seen);
                var metrics = new Dictionary<string, double>(RankingEvaluator.Evaluate(scorer.ScoreAll(10), relevant, 10).ToDictionary());
                if (kind == ModelKind.MatrixFactorization)
                {
                    metrics["rmse"] = Math.Round(RatingEvaluator.Evaluate(aligned, FactorAlignment.KnownRows(trainedModel, outer, outer.Validation)).Rmse, 4);
                }

                measurements.Add(new Measurement("movielens", $"{contender} ({protocol})", seconds, 0, Figures(metrics, trained)));
            }
        }

        return measurements;
    }

    /// <summary>The outer train part as a MovieLens ratings log (what the user hands to <c>run</c>), in Parquet.</summary>
    private static async Task<string> WriteGivenLogAsync(CuratedDataset outer, string folder)
    {
        string text = Path.Combine(folder, "given.data");
        await using (var writer = new StreamWriter(text))
        {
            InteractionTable train = outer.Train;
            for (int row = 0; row < train.Count; row++)
            {
                await writer.WriteLineAsync(string.Create(
                    CultureInfo.InvariantCulture,
                    $"{outer.UserIds[train.Users[row]]}\t{outer.ItemIds[train.Items[row]]}\t{train.Weights[row]:0}\t{train.Timestamps[row] / 1_000_000}")).ConfigureAwait(false);
            }
        }

        string parquet = Path.Combine(folder, "given.parquet");
        await MovieLens.ConvertAsync(text, parquet).ConfigureAwait(false);
        return parquet;
    }

    private static Dictionary<string, double> Figures(IReadOnlyDictionary<string, double> metrics, TrainStageOutput? trained)
    {
        var figures = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (string name in new[] { "precision@10", "recall@10", "ndcg@10", "map", "map@10", "rmse" })
        {
            if (metrics.TryGetValue(name, out double value))
            {
                figures[name] = Math.Round(value, 4);
            }
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
