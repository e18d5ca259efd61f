using System.Diagnostics;
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
/// Held-out quality on MovieLens 100K under two protocols: the Microsoft Recommenders one (per-item
/// stratified 75/25, seed 42) and a per-user random 75/25 split (seed 42). The test part is only ever
/// used to measure: each model's epochs (EASE: its λ) are chosen on a validation part carved from the
/// training part the way <c>recommender run</c> carves it (per-item stratified 75/25, seed 42), then the
/// model is refitted on the whole training part the way the pipeline refits it (<see cref="ModelRefit"/>;
/// or not, to show what the refit buys), and the automatic choice picks among EASE, iALS and softmax by
/// validation NDCG@10 the way the pipeline does (a later candidate must lead by more than the noise). K = 10, training items
/// excluded, every held-out interaction relevant.
/// </summary>
internal static class QualityBenchmark
{
    private const int K = 10;

    /// <summary>Every kind measured; the first three are the automatic choice's candidates, in its order.</summary>
    private static readonly (string Name, ModelKind Kind)[] Kinds =
    [
        ("ease", ModelKind.Ease),
        ("ials", ModelKind.Ials),
        ("softmax", ModelKind.Softmax),
        ("bpr", ModelKind.Bpr),
    ];

    private const int AutomaticCandidates = 3;

    private static readonly (string Name, SplitKind Split)[] Protocols =
    [
        ("msr", SplitKind.StratifiedPerItem),
        ("per-user", SplitKind.RandomPerUser),
    ];

    public static async Task<IReadOnlyList<Measurement>> RunAsync(string repository, string workFolder)
    {
        string folder = Path.Combine(workFolder, "quality");
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }

        Directory.CreateDirectory(folder);
        string log = Path.Combine(folder, "u.data.parquet");
        await MovieLens.ConvertAsync(MovieLensBenchmark.FindRatings(repository), log).ConfigureAwait(false);
        var measurements = new List<Measurement>();
        foreach ((string protocol, SplitKind split) in Protocols)
        {
            CuratedDataset outer = await SplitAsync(folder, log, protocol, split).ConfigureAwait(false);
            var seen = UserItemSets.FromInteractions(outer.Train, outer.UserCount, outer.ItemCount);
            var relevant = UserItemSets.FromInteractions(outer.Validation, outer.UserCount, outer.ItemCount);
            CuratedDataset inner = CarveValidation(outer);
            var store = new LocalArtifactStore(Path.Combine(folder, protocol, "artifacts"));

            RecommendationLists popular = PopularityRecommender.FromDataset(outer).Recommend(K, 0, outer.UserCount, seen);
            measurements.Add(Measure(protocol, "popularity", 0, popular, relevant, validation: null, bestEpoch: null));

            var candidates = new List<(string Name, double Validation, double[] ByUser, double Seconds, Measurement Refitted, FactorSnapshot Chosen, FactorSnapshot Refit)>();
            var innerValidator = new RankingValidator(inner, K);
            foreach ((string name, ModelKind kind) in Kinds)
            {
                var options = new TrainingOptions { Kind = kind, Device = TrainingDevice.Cpu };
                var clock = Stopwatch.StartNew();
                var validator = new RankingValidator(inner, K);
                TrainingResult chosen = await new ModelTrainer().TrainAsync(
                    inner, options, new TrainingRun($"{protocol}-{name}"), store, validator).ConfigureAwait(false);
                double validation = chosen.BestMetric ?? double.NaN;
                double searchSeconds = clock.Elapsed.TotalSeconds;
                measurements.Add(Measure(protocol, $"{name} (no refit)", searchSeconds, Score(chosen.Factors, seen), relevant, validation, chosen.BestEpoch));

                // Refit as the pipeline plans it, on the whole training part, nothing held out.
                (CuratedDataset refitData, TrainingOptions refitOptions, TrainingRun refitRun) = await ModelRefit.PrepareAsync(
                    store, inner, $"{protocol}-{name}", maxEpochsThisCall: 0, TrainingDevice.Cpu).ConfigureAwait(false);
                TrainingResult refitted = await new ModelTrainer().TrainAsync(refitData, refitOptions, refitRun, store).ConfigureAwait(false);
                double seconds = clock.Elapsed.TotalSeconds;
                Measurement refit = Measure(protocol, name, seconds, Score(refitted.Factors, seen), relevant, validation, chosen.BestEpoch);
                measurements.Add(refit);
                candidates.Add((name, validation, validator.NdcgByUser(chosen.Factors), seconds, refit, chosen.Factors, refitted.Factors));
            }

            // The automatic choice as the pipeline makes it: the candidates, then their best blend on validation, a later
            // one winning only by more than the noise; a blend's refit blends the refitted parts.
            var automatic = candidates.Take(AutomaticCandidates).ToList();
            var blendClock = Stopwatch.StartNew();
            BlendSearchResult? blend = BlendSearch.Search(
                [.. automatic.Select(candidate => candidate.Chosen)], [.. automatic.Select(candidate => candidate.ByUser)], innerValidator, CancellationToken.None);
            double choiceSeconds = automatic.Sum(candidate => candidate.Seconds) + blendClock.Elapsed.TotalSeconds;
            var board = automatic.Select(candidate => new LeaderboardEntry(candidate.Name, ModelKind.Auto, string.Empty, "ndcg@10", candidate.Validation, null, 0, 0, 0)).ToList();
            var byUser = automatic.Select(candidate => candidate.ByUser).ToList();
            Measurement? blended = null;
            if (blend is not null)
            {
                board.Add(new LeaderboardEntry("blend", ModelKind.Blend, string.Empty, "ndcg@10", blend.Metrics.Ndcg, null, 0, 0, 0));
                byUser.Add(blend.ByUser);
                FactorSnapshot blendRefit = BlendFactors.Combine([.. blend.Parts.Select(index => automatic[index].Refit)], blend.Weights);
                string parts = string.Join(" + ", blend.Parts.Select((index, position) => $"{blend.Weights[position]:0.###}·{automatic[index].Name}"));
                blended = Measure(protocol, $"blend ({parts})", choiceSeconds, Score(blendRefit, seen), relevant, blend.Metrics.Ndcg, bestEpoch: null);
            }

            (int winner, _) = AutomaticModelChoice.ChooseAboveNoise(board, byUser, higherIsBetter: true);
            Measurement picked = winner < automatic.Count ? automatic[winner].Refitted : blended!;
            measurements.Add(picked with
            {
                Contender = winner < automatic.Count ? $"auto ({board[winner].Candidate})" : $"auto ({picked.Contender})",
                Seconds = choiceSeconds,
            });
        }

        return measurements;
    }

    private static async Task<CuratedDataset> SplitAsync(string folder, string log, string protocol, SplitKind split)
    {
        PreprocessingOptions preprocessing = MovieLens.BenchmarkPreprocessing();
        preprocessing.Split.Kind = split;
        preprocessing.Split.TrainRatio = 0.75;
        preprocessing.Split.Seed = 42;
        var artifacts = new LocalArtifactStore(Path.Combine(folder, protocol, "datasets"));
        using var lookup = new SqliteLookupStore(Path.Combine(folder, protocol, "lookup.db"));
        var stages = PipelineStages.Create(artifacts, lookup, new LocalFileLogSource([log]), Options.Create(preprocessing), Options.Create(new TrainingOptions()), MovieLens.BenchmarkMapping);
        PreprocessStageOutput data = await stages.Preprocess.RunAsync(new PreprocessStageInput(protocol)).ConfigureAwait(false);
        return await new CuratedDatasetReader(artifacts).ReadAsync(data.DatasetVersion).ConfigureAwait(false);
    }

    /// <summary>The training part split again as <c>recommender run</c> splits its input: validation comes from training rows only.</summary>
    private static CuratedDataset CarveValidation(CuratedDataset outer)
    {
        var columns = new InteractionColumns();
        InteractionTable train = outer.Train;
        columns.EnsureRoom(train.Count);
        for (int i = 0; i < train.Count; i++)
        {
            columns.Append(train.Users[i], train.Items[i], train.Weights[i], train.Timestamps[i]);
        }

        bool[] heldOut = InteractionSplitter.HoldOut(columns, outer.UserIds, outer.ItemIds, new SplitOptions());
        (InteractionTable innerTrain, InteractionTable validation) = columns.SplitOff(heldOut);
        return new CuratedDataset { Version = $"{outer.Version}-inner", UserIds = outer.UserIds, ItemIds = outer.ItemIds, Train = innerTrain, Validation = validation, SeenOnly = outer.SeenOnly };
    }

    private static RecommendationLists Score(FactorSnapshot factors, UserItemSets seen)
    {
        using var scorer = new TopKScorer(factors, seen);
        return scorer.ScoreAll(K);
    }

    private static Measurement Measure(string protocol, string contender, double seconds, RecommendationLists lists, UserItemSets relevant, double? validation, int? bestEpoch)
    {
        var figures = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach ((string name, double value) in RankingEvaluator.Evaluate(lists, relevant, K).ToDictionary())
        {
            if (name is "precision@10" or "recall@10" or "ndcg@10" or "map" or "coverage@10")
            {
                figures[name] = Math.Round(value, 4);
            }
        }

        if (validation is { } validated)
        {
            figures["validationNdcg@10"] = Math.Round(validated, 4);
        }

        if (bestEpoch is { } epoch)
        {
            figures["bestEpoch"] = epoch;
        }

        return new Measurement($"quality-{protocol}", contender, Math.Round(seconds, 2), 0, figures);
    }
}
