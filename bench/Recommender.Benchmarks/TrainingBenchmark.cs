using Recommender.Core.Datasets;
using Recommender.Core.Demo;
using Recommender.Core.Ingestion;
using Recommender.Core.Models;
using Recommender.Core.Pipeline;
using Recommender.Core.Preprocessing;
using Recommender.Core.Storage;
using Recommender.Core.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Recommender.Benchmarks;

/// <summary>
/// Training throughput: interactions per second per epoch of each model kind trained by
/// <see cref="ModelTrainer"/> (checkpoints and manifests included, no validation), next to a minimal
/// hand-written TorchSharp loop of the same model (same loss, batch size, dimension and Adam) on the
/// same data. On MovieLens 100K both run whole epochs in interleaved rounds, so machine noise hits
/// both alike; on the generated log ours trains one whole epoch and the minimal loop a fixed number
/// of batches, because its dense Adam step touches every row of every table and a whole epoch of it
/// would take hours.
/// </summary>
internal static class TrainingBenchmark
{
    private const int Epochs = 3;
    private const int Rounds = 5;
    private const int MinimalBatchesOnLargeLog = 150;

    /// <summary>MovieLens 100K: ours and the minimal loop in interleaved rounds, then where a batch's time goes.</summary>
    public static async Task<IReadOnlyList<Measurement>> RunOnMovieLensAsync(string repository, string workFolder)
    {
        (string folder, IArtifactStore artifacts) = Prepare(workFolder, "training");
        string log = Path.Combine(folder, "u.data.parquet");
        await MovieLens.ConvertAsync(MovieLensData.FindRatings(repository), log).ConfigureAwait(false);
        // Every rating weighing 1: the minimal loops take the plain mean of the terms, which the weighted one then equals.
        CuratedDataset implicitData = await PreprocessAsync(log, MovieLens.BenchmarkPreprocessing(), MovieLens.BenchmarkMapping with { ValueColumn = string.Empty }, artifacts).ConfigureAwait(false);
        CuratedDataset explicitData = await PreprocessAsync(log, ExplicitOptions(), ColumnMapping.AutoDetect, artifacts).ConfigureAwait(false);
        var measurements = new List<Measurement>();
        foreach ((string name, ModelKind kind, CuratedDataset data) in Kinds(implicitData, explicitData))
        {
            measurements.AddRange(await CompareOnMovieLensAsync(name, kind, data, artifacts).ConfigureAwait(false));
            measurements.AddRange(TrainingPhases.Measure(name, kind, data));
        }

        return measurements;
    }

    /// <summary>The generated log of <paramref name="rows"/> rows: one whole epoch of ours, a fixed number of batches of the minimal loop.</summary>
    public static async Task<IReadOnlyList<Measurement>> RunOnGeneratedLogAsync(string workFolder, int rows)
    {
        (_, IArtifactStore artifacts) = Prepare(workFolder, "training-large");
        string generated = await PreprocessBenchmark.GenerateLogAsync(workFolder, rows).ConfigureAwait(false);
        CuratedDataset largeImplicit = await PreprocessAsync(generated, PreprocessBenchmark.Options(), ColumnMapping.AutoDetect, artifacts).ConfigureAwait(false);

        // The log has events, not ratings: matrix factorization reads each pair's summed event weight as its rating.
        var largeExplicit = new CuratedDataset
        {
            Version = largeImplicit.Version + "-weights-as-ratings",
            UserIds = largeImplicit.UserIds,
            ItemIds = largeImplicit.ItemIds,
            Train = largeImplicit.Train,
            Validation = largeImplicit.Validation,
            IsExplicit = true,
        };
        var measurements = new List<Measurement>();
        foreach ((string name, ModelKind kind, CuratedDataset data) in Kinds(largeImplicit, largeExplicit))
        {
            measurements.AddRange(await CompareOnLargeLogAsync(name, kind, data, artifacts).ConfigureAwait(false));
        }

        return measurements;
    }

    private static (string Folder, IArtifactStore Artifacts) Prepare(string workFolder, string name)
    {
        string folder = Path.Combine(workFolder, name);
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }

        Directory.CreateDirectory(folder);
        return (folder, new LocalArtifactStore(Path.Combine(folder, "artifacts")));
    }

    private static (string Name, ModelKind Kind, CuratedDataset Data)[] Kinds(CuratedDataset implicitData, CuratedDataset explicitData) =>
    [
        ("softmax", ModelKind.Softmax, implicitData),
        ("bpr", ModelKind.Bpr, implicitData),
        ("mf", ModelKind.MatrixFactorization, explicitData),
    ];

    private static PreprocessingOptions ExplicitOptions() => new()
    {
        Feedback = FeedbackKind.Explicit,
        Split = new SplitOptions { Kind = SplitKind.StratifiedPerItem, TrainRatio = 0.75, Seed = 42 },
    };

    private static async Task<Measurement[]> CompareOnMovieLensAsync(string name, ModelKind kind, CuratedDataset data, IArtifactStore artifacts)
    {
        var options = new TrainingOptions { Kind = kind, Device = TrainingDevice.Cpu, Epochs = Epochs }.Resolve(data.IsExplicit);
        var ours = new List<double>();
        var minimal = new List<double>();
        for (int round = 0; round < Rounds; round++)
        {
            // The first epoch of each run pays for setup (and, in ours, the first checkpoint files); later epochs are the steady state.
            ours.AddRange((await TrainOursAsync(data, options, $"bench-{name}-{round}", artifacts).ConfigureAwait(false)).Skip(1));
            minimal.AddRange(MinimalLoop.Train(kind, data, options, Epochs, int.MaxValue).Skip(1));
        }

        double oursRate = data.Train.Count / Median(ours);
        double minimalRate = data.Train.Count / Median(minimal);
        Console.Error.WriteLine($"movielens {name}: ours {oursRate:F0}/s, minimal {minimalRate:F0}/s");
        return
        [
            new Measurement("training", $"{name}-ours", Median(ours), 0, Figures(data, ours, oursRate, oursRate / minimalRate)),
            new Measurement("training", $"{name}-minimal", Median(minimal), 0, Figures(data, minimal, minimalRate, null)),
        ];
    }

    private static async Task<Measurement[]> CompareOnLargeLogAsync(string name, ModelKind kind, CuratedDataset data, IArtifactStore artifacts)
    {
        var options = new TrainingOptions { Kind = kind, Device = TrainingDevice.Cpu, Epochs = 1 }.Resolve(data.IsExplicit);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await TrainOursAsync(data, options, $"bench-large-{name}", artifacts).ConfigureAwait(false);
        double oursSeconds = clock.Elapsed.TotalSeconds;
        double[] minimal = MinimalLoop.Train(kind, data, options, 1, MinimalBatchesOnLargeLog);
        double minimalInteractions = Math.Min((long)MinimalBatchesOnLargeLog * options.BatchSize!.Value, data.Train.Count);
        double oursRate = data.Train.Count / oursSeconds;
        double minimalRate = minimalInteractions / minimal[0];
        Console.Error.WriteLine($"generated {name}: ours {oursRate:F0}/s (whole epoch {oursSeconds:F0} s), minimal {minimalRate:F0}/s over {MinimalBatchesOnLargeLog} batches");
        var shape = new Dictionary<string, double>(StringComparer.Ordinal) { ["users"] = data.UserCount, ["items"] = data.ItemCount };
        return
        [
            new Measurement("training", $"{name}-ours-large", oursSeconds, 0, Figures(data, [oursSeconds], oursRate, oursRate / minimalRate, shape)),
            new Measurement("training", $"{name}-minimal-large", minimal[0], 0, Figures(data, [minimal[0]], minimalRate, null, shape)),
        ];
    }

    /// <summary>Trains a fresh run and returns the wall seconds of each epoch, from one epoch's end to the next (checkpoint writes included).</summary>
    private static async Task<List<double>> TrainOursAsync(CuratedDataset data, TrainingOptions options, string runId, IArtifactStore artifacts)
    {
        var epochEnds = new EpochClock();
        await new ModelTrainer().TrainAsync(data, options, new TrainingRun(runId), artifacts, validator: null, progress: epochEnds).ConfigureAwait(false);
        return epochEnds.Durations();
    }

    private static async Task<CuratedDataset> PreprocessAsync(string log, PreprocessingOptions options, ColumnMapping mapping, IArtifactStore store)
    {
        PreprocessingResult result = await new PreprocessStep().RunAsync(new LocalFileLogSource([log]), mapping, options, store).ConfigureAwait(false);
        return await new CuratedDatasetReader(store).ReadAsync(result.DatasetVersion).ConfigureAwait(false);
    }

    private static double Median(IReadOnlyList<double> values)
    {
        double[] sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }

    private static Dictionary<string, double> Figures(CuratedDataset data, IReadOnlyList<double> epochSeconds, double rate, double? ratio, Dictionary<string, double>? extra = null)
    {
        var figures = new Dictionary<string, double>(extra ?? [], StringComparer.Ordinal)
        {
            ["interactions"] = data.Train.Count,
            ["interactionsPerSecond"] = Math.Round(rate),
        };
        for (int i = 0; i < epochSeconds.Count; i++)
        {
            figures[$"epoch{i + 1}Seconds"] = Math.Round(epochSeconds[i], 3);
        }

        if (ratio is { } value)
        {
            figures["rateOursOverMinimal"] = Math.Round(value, 3);
        }

        return figures;
    }

    /// <summary>Wall time at the end of each epoch, from the trainer's progress reports.</summary>
    private sealed class EpochClock : IProgress<TrainingProgress>
    {
        private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
        private readonly List<double> _ends = [0];

        public void Report(TrainingProgress value)
        {
            if (value.IsEpochEnd)
            {
                _ends.Add(_clock.Elapsed.TotalSeconds);
            }
        }

        public List<double> Durations() => _ends.Zip(_ends.Skip(1), (start, end) => end - start).ToList();
    }
}

/// <summary>
/// The smallest honest TorchSharp training loops of the three models, written out by hand with the
/// same losses as the library's (biases, L2 on the batch's rows, sampled softmax with logQ correction
/// beyond <see cref="TrainingOptions.FullSoftmaxMaxItems"/> items): data in tensors once, each epoch's
/// order applied once so batches are views, a dispose scope per batch, <c>torch.optim.Adam</c>.
/// Returns the seconds of each epoch (or of the first <c>maxBatches</c> batches).
/// </summary>
internal static class MinimalLoop
{
    private const float MaskedLogit = -1e9f;

    public static double[] Train(ModelKind kind, CuratedDataset data, TrainingOptions options, int epochs, int maxBatches)
    {
        torch.manual_seed(options.Seed);
        int d = options.Dimension;
        int batchSize = options.BatchSize!.Value;
        double regularization = options.Regularization!.Value;
        using Tensor users = torch.tensor(data.Train.Users).to(ScalarType.Int64);
        using Tensor items = torch.tensor(data.Train.Items).to(ScalarType.Int64);
        using Tensor ratings = torch.tensor(data.Train.Weights);
        using var userFactors = nn.Parameter(torch.randn(data.UserCount, d).mul_(options.InitialStandardDeviation));
        using var itemFactors = nn.Parameter(torch.randn(data.ItemCount, d).mul_(options.InitialStandardDeviation));
        using var userBias = nn.Parameter(torch.zeros(data.UserCount, 1));
        using var itemBias = nn.Parameter(torch.zeros(data.ItemCount, 1));
        using var globalBias = nn.Parameter(torch.full(1, data.Train.Weights.Average()));
        List<TorchSharp.Modules.Parameter> parameters = kind == ModelKind.MatrixFactorization
            ? [userFactors, itemFactors, userBias, itemBias, globalBias]
            : [userFactors, itemFactors, itemBias];
        using var optimizer = torch.optim.Adam(parameters, lr: options.LearningRate!.Value);
        using ItemSampler sampler = ItemSampler.LogUniform(data.ItemCount, data.Train.Items, torch.CPU);
        using var generator = new Generator((ulong)options.Seed, torch.CPU);
        bool sampled = kind == ModelKind.Softmax && data.ItemCount > options.FullSoftmaxMaxItems;
        int count = data.Train.Count;
        var seconds = new double[epochs];
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            using Tensor order = torch.randperm(count, dtype: ScalarType.Int64);
            using Tensor epochUsers = users.index_select(0, order);
            using Tensor epochItems = items.index_select(0, order);
            using Tensor epochRatings = ratings.index_select(0, order);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            int batch = 0;
            for (long start = 0; start < count && batch < maxBatches; start += batchSize, batch++)
            {
                using var scope = torch.NewDisposeScope();
                long length = Math.Min(batchSize, count - start);
                Tensor u = epochUsers.narrow(0, start, length);
                Tensor i = epochItems.narrow(0, start, length);
                Tensor userRows = userFactors.index_select(0, u);
                Tensor itemRows = itemFactors.index_select(0, i);
                Tensor penalty = userRows.square().sum() + itemRows.square().sum();
                Tensor loss;
                switch (kind)
                {
                    case ModelKind.Softmax when !sampled:
                        loss = nn.functional.cross_entropy(torch.addmm(itemBias.view(1, -1), userRows, itemFactors.t(), 1f, 1f), i);
                        break;
                    case ModelKind.Softmax:
                        Tensor negatives = sampler.Sample(options.SampledNegatives, generator, torch.CPU);
                        Tensor positiveLogits = (userRows * itemRows).sum(1) + itemBias.index_select(0, i).squeeze(1) - sampler.LogProbabilityOf(i)!;
                        Tensor negativeLogits = torch.addmm(itemBias.index_select(0, negatives).view(1, -1), userRows, itemFactors.index_select(0, negatives).t(), 1f, 1f)
                            - sampler.LogProbabilityOf(negatives)!.view(1, -1);
                        negativeLogits = negativeLogits.masked_fill(i.unsqueeze(1).eq(negatives.unsqueeze(0)), MaskedLogit);
                        loss = nn.functional.cross_entropy(torch.cat([positiveLogits.unsqueeze(1), negativeLogits], 1), torch.zeros(length, dtype: ScalarType.Int64));
                        break;
                    case ModelKind.Bpr:
                        Tensor negativeItems = torch.randint(0, data.ItemCount, [length, options.Negatives], dtype: ScalarType.Int64);
                        Tensor negativeRows = itemFactors.index_select(0, negativeItems.view(-1)).view(length, options.Negatives, d);
                        Tensor positiveScores = (userRows * itemRows).sum(1, keepdim: true) + itemBias.index_select(0, i);
                        Tensor negativeScores = torch.bmm(negativeRows, userRows.unsqueeze(2)).squeeze(2) + itemBias.index_select(0, negativeItems.view(-1)).view(length, options.Negatives);
                        loss = -nn.functional.logsigmoid(positiveScores - negativeScores).mean();
                        penalty = penalty + negativeRows.square().sum() / options.Negatives;
                        break;
                    default:
                        Tensor userBiasRows = userBias.index_select(0, u).squeeze(1);
                        Tensor itemBiasRows = itemBias.index_select(0, i).squeeze(1);
                        Tensor prediction = (userRows * itemRows).sum(1) + userBiasRows + itemBiasRows + globalBias;
                        loss = nn.functional.mse_loss(prediction, epochRatings.narrow(0, start, length));
                        penalty = penalty + userBiasRows.square().sum() + itemBiasRows.square().sum();
                        break;
                }

                loss = loss + penalty * (regularization / length);
                optimizer.zero_grad();
                loss.backward();
                optimizer.step();
                _ = loss.item<float>();
            }

            seconds[epoch] = clock.Elapsed.TotalSeconds;
        }

        return seconds;
    }
}

/// <summary>Finds the MovieLens 100K ratings above the repository.</summary>
internal static class MovieLensData
{
    public static string FindRatings(string repository)
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
