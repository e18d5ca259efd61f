using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Recommender.Core.Datasets;
using Recommender.Core.Demo;
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
/// Peak memory of a scoring shard as the operating system counts it (<c>/usr/bin/time -v</c>, maximum
/// resident set size), for shards of 1k, 10k and 100k users and for all users of a 20M-row log, and for
/// the same 10k-user shard of a log with 10× fewer users: a shard's memory follows its own size and the
/// catalog, not the user count. Next to them, the once-per-run step that writes the scoring bundle, and a
/// 1k-user shard scored the way shards were scored before the bundle (whole model and dataset loaded).
/// </summary>
/// <remarks>
/// The logs come from the preprocessing benchmark's generator (string user ids, event types, duplicates,
/// null ids), with a catalog of 20,000 items so that scoring all 800k users takes minutes, not an hour, on 2
/// cores. Training an epoch on 20M rows is not what is measured here, so the model is the trainer's
/// initialization: <see cref="ModelTrainer"/> runs one epoch on a few thousand of the rows and writes
/// model.json, the vocabulary and the checkpoint through the normal artifacts path. Lookup rows go to a
/// store that counts and drops them, so the figures are the shard's own, not SQLite's or Table Storage's.
/// </remarks>
internal static class ScoringMemoryBenchmark
{
    private const string Scenario = "scoring-memory";
    private const string RunId = "bench-scoring";
    private const int Items = 20_000;
    private const int Dimension = 64;
    private const int K = 100;

    public static async Task<IReadOnlyList<Measurement>> RunAsync(string workFolder, int rows)
    {
        string folder = Path.Combine(workFolder, Scenario);
        PreparedRun large = await PrepareAsync(Path.Combine(folder, $"log-{rows}"), rows).ConfigureAwait(false);
        PreparedRun small = await PrepareAsync(Path.Combine(folder, $"log-{rows / 10}"), rows / 10).ConfigureAwait(false);

        var measurements = new List<Measurement>
        {
            Child($"bundle, {Thousands(large.Users)} users", "scoring-prepare", large.Artifacts, large.DatasetVersion),
            Child("1k users, whole model (before)", "scoring-whole-model", large.Artifacts, large.DatasetVersion, "0", "1000"),
        };
        foreach (int users in new[] { 1_000, 10_000, 100_000 })
        {
            measurements.Add(Shard($"{Thousands(users)} users", large, users));
        }

        measurements.Add(Shard($"all {Thousands(large.Users)} users", large, large.Users));
        measurements.Add(Shard($"10k users of {Thousands(small.Users)}", small, 10_000));
        return measurements;
    }

    /// <summary>Child: scores users [first, end) through the pipeline's shard stage.</summary>
    public static async Task<int> ShardAsync(string artifacts, string datasetVersion, int firstUser, int endUser)
    {
        var lookup = new CountingLookupStore();
        var stages = PipelineStages.Create(
            new LocalArtifactStore(artifacts),
            lookup,
            new LocalFileLogSource([]),
            Options.Create(new PreprocessingOptions()),
            Options.Create(new TrainingOptions()));
        var stopwatch = Stopwatch.StartNew();
        ScoreShardOutput output = await stages.Scoring.ScoreShardAsync(new ScoreShardInput(RunId, datasetVersion, firstUser, endUser, K)).ConfigureAwait(false);
        double seconds = stopwatch.Elapsed.TotalSeconds;
        int users = output.EndUser - output.FirstUser;
        return ChildProcess.Report(new Measurement(Scenario, "shard", seconds, 0, new Dictionary<string, double>
        {
            ["users"] = users,
            ["listsWritten"] = lookup.Lists,
            ["usersPerSecond"] = users / seconds,
            ["k"] = K,
        }));
    }

    /// <summary>Child: the once-per-run step that writes the bundle (the bundle is deleted first so it is written).</summary>
    public static async Task<int> PrepareBundleAsync(string artifacts, string datasetVersion)
    {
        var store = new LocalArtifactStore(artifacts);
        await foreach (ArtifactInfo file in store.ListAsync(ScoringBundle.Folder(RunId)).ConfigureAwait(false))
        {
            await store.DeleteAsync(file.Path).ConfigureAwait(false);
        }

        var stages = PipelineStages.Create(store, new CountingLookupStore(), new LocalFileLogSource([]), Options.Create(new PreprocessingOptions()), Options.Create(new TrainingOptions()));
        var stopwatch = Stopwatch.StartNew();
        PrepareScoringOutput output = await stages.Scoring.PrepareAsync(new PrepareScoringInput(RunId, datasetVersion)).ConfigureAwait(false);
        double seconds = stopwatch.Elapsed.TotalSeconds;
        return ChildProcess.Report(new Measurement(Scenario, "prepare", seconds, 0, new Dictionary<string, double>
        {
            ["users"] = output.Users,
            ["items"] = output.Items,
            ["bundleMiB"] = output.Bytes / 1048576.0,
        }));
    }

    /// <summary>Child: users [first, end) scored as shards were before the bundle: the whole model and dataset in memory.</summary>
    public static async Task<int> WholeModelAsync(string artifacts, string datasetVersion, int firstUser, int endUser)
    {
        var store = new LocalArtifactStore(artifacts);
        var stopwatch = Stopwatch.StartNew();
        TrainedModel model = await TrainedModel.LoadAsync(store, RunId).ConfigureAwait(false);
        CuratedDataset dataset = await new CuratedDatasetReader(store).ReadAsync(datasetVersion).ConfigureAwait(false);
        var seen = UserItemSets.FromInteractions(dataset.AllSeen, dataset.UserCount, dataset.ItemCount);
        long lists = 0;
        using (var scorer = new TopKScorer(model.Factors, seen))
        {
            RecommendationLists scored = scorer.ScoreUsers(K, firstUser, endUser);
            for (int row = 0; row < scored.UserCount; row++)
            {
                lists += scored.ItemsOf(row).Length > 0 ? 1 : 0;
            }
        }

        double seconds = stopwatch.Elapsed.TotalSeconds;
        return ChildProcess.Report(new Measurement(Scenario, "whole model", seconds, 0, new Dictionary<string, double>
        {
            ["users"] = endUser - firstUser,
            ["listsWritten"] = lists,
            ["usersPerSecond"] = (endUser - firstUser) / seconds,
            ["k"] = K,
        }));
    }

    private static Measurement Shard(string contender, PreparedRun run, int users) =>
        Child(contender, "scoring-shard", run.Artifacts, run.DatasetVersion, "0", Math.Min(users, run.Users).ToString(CultureInfo.InvariantCulture));

    private static Measurement Child(string contender, params string[] arguments)
    {
        Console.Error.WriteLine($"{Scenario}: {contender} ...");
        return ChildProcess.Run(arguments) with { Contender = contender };
    }

    /// <summary>Log, curated dataset, model and scoring bundle of one log size; made once and reused by later runs.</summary>
    private static async Task<PreparedRun> PrepareAsync(string folder, int rows)
    {
        string marker = Path.Combine(folder, "prepared.json");
        if (File.Exists(marker))
        {
            return JsonSerializer.Deserialize<PreparedRun>(await File.ReadAllTextAsync(marker).ConfigureAwait(false), ChildProcess.Json)!;
        }

        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }

        Directory.CreateDirectory(folder);
        var clock = Stopwatch.StartNew();
        string log = Path.Combine(folder, "log.parquet");
        SyntheticLogOptions options = PreprocessBenchmark.LogOptions(rows, Items);
        Console.Error.WriteLine($"{Scenario}: generating {log} ...");
        await using (FileStream output = File.Create(log))
        {
            await SyntheticInteractionLog.WriteAsync(output, options).ConfigureAwait(false);
        }

        Console.Error.WriteLine($"{Scenario}: preprocessing ({clock.Elapsed.TotalSeconds:F0} s) ...");
        string artifacts = Path.Combine(folder, "artifacts");
        var store = new LocalArtifactStore(artifacts);
        PreprocessingResult result = await new PreprocessStep().RunAsync(new LocalFileLogSource([log]), ColumnMapping.AutoDetect, PreprocessBenchmark.Options(), store).ConfigureAwait(false);

        Console.Error.WriteLine($"{Scenario}: writing an initialized model ({clock.Elapsed.TotalSeconds:F0} s) ...");
        CuratedDataset dataset = await new CuratedDatasetReader(store).ReadAsync(result.DatasetVersion).ConfigureAwait(false);
        await WriteInitializedModelAsync(store, dataset).ConfigureAwait(false);

        Console.Error.WriteLine($"{Scenario}: writing the scoring bundle ({clock.Elapsed.TotalSeconds:F0} s) ...");
        var stages = PipelineStages.Create(store, new CountingLookupStore(), new LocalFileLogSource([]), Options.Create(PreprocessBenchmark.Options()), Options.Create(new TrainingOptions()));
        await stages.Scoring.PrepareAsync(new PrepareScoringInput(RunId, result.DatasetVersion)).ConfigureAwait(false);
        Console.Error.WriteLine($"{Scenario}: {result.RowsRead:N0} rows → {result.Users:N0} users, {result.Items:N0} items, ready in {clock.Elapsed.TotalSeconds:F0} s");

        var prepared = new PreparedRun(artifacts, result.DatasetVersion, result.Users, result.Items, result.RowsRead);
        await File.WriteAllTextAsync(marker, JsonSerializer.Serialize(prepared, ChildProcess.Json)).ConfigureAwait(false);
        return prepared;
    }

    /// <summary>
    /// The trainer's initialization of a BPR model for every user and item of <paramref name="dataset"/>, written
    /// by <see cref="ModelTrainer"/> itself (one epoch over a few thousand rows, so the files are the real ones).
    /// </summary>
    private static async Task WriteInitializedModelAsync(IArtifactStore store, CuratedDataset dataset)
    {
        const int TrainRows = 4_096;
        InteractionTable train = dataset.Train;
        var few = new InteractionTable(train.Users[..TrainRows], train.Items[..TrainRows], train.Weights[..TrainRows], train.Timestamps[..TrainRows]);
        var initialized = new CuratedDataset
        {
            Version = dataset.Version,
            UserIds = dataset.UserIds,
            ItemIds = dataset.ItemIds,
            Train = few,
            Validation = InteractionTable.Empty,
            IsExplicit = dataset.IsExplicit,
        };
        var options = new TrainingOptions { Kind = ModelKind.Bpr, Dimension = Dimension, Epochs = 1, Device = TrainingDevice.Cpu, EarlyStoppingPatience = 0 };
        await new ModelTrainer().TrainAsync(initialized, options, new TrainingRun(RunId), store).ConfigureAwait(false);
    }

    private static string Thousands(int count) =>
        count >= 1_000 && count % 1_000 == 0 ? $"{count / 1_000}k" : count.ToString("N0", CultureInfo.InvariantCulture);

    private sealed record PreparedRun(string Artifacts, string DatasetVersion, int Users, int Items, long Rows);

    /// <summary>A lookup store that counts the lists written and keeps none: the shard's memory, not a database's.</summary>
    private sealed class CountingLookupStore : ILookupStore
    {
        public long Lists { get; private set; }

        public Task WriteAsync(string version, IReadOnlyList<UserRecommendations> batch, CancellationToken cancellationToken = default)
        {
            Lists += batch.Count;
            return Task.CompletedTask;
        }

        public Task WriteFallbackAsync(string version, UserRecommendations fallback, CancellationToken cancellationToken = default) => Task.CompletedTask;

        public Task<UserRecommendations?> GetFallbackAsync(string? version = null, CancellationToken cancellationToken = default) => Task.FromResult<UserRecommendations?>(null);

        public Task<string?> PublishAsync(string version, CancellationToken cancellationToken = default) => Task.FromResult<string?>(null);

        public Task<string?> GetActiveVersionAsync(CancellationToken cancellationToken = default) => Task.FromResult<string?>(null);

        public Task<UserRecommendations?> GetAsync(string userId, string? version = null, CancellationToken cancellationToken = default) => Task.FromResult<UserRecommendations?>(null);

        public Task<IReadOnlyList<LookupVersion>> ListVersionsAsync(CancellationToken cancellationToken = default) => Task.FromResult<IReadOnlyList<LookupVersion>>([]);

        public Task DeleteVersionAsync(string version, CancellationToken cancellationToken = default) => Task.CompletedTask;

        public IAsyncEnumerable<UserRecommendations> ReadAllAsync(string version, CancellationToken cancellationToken = default) => AsyncEnumerable.Empty<UserRecommendations>();
    }
}
