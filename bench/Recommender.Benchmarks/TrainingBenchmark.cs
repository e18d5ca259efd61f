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
/// Training throughput on MovieLens 100K: interactions per second per epoch of each model kind
/// trained by <see cref="ModelTrainer"/> (checkpoints and manifests included, no validation),
/// next to a minimal hand-written TorchSharp loop of the same model with the same batch size,
/// dimension and optimizer.
/// </summary>
internal static class TrainingBenchmark
{
    private const int Epochs = 3;

    public static async Task<IReadOnlyList<Measurement>> RunAsync(string repository, string workFolder)
    {
        string folder = Path.Combine(workFolder, "training");
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }

        Directory.CreateDirectory(folder);
        string log = Path.Combine(folder, "u.data.parquet");
        await MovieLens.ConvertAsync(MovieLensData.FindRatings(repository), log).ConfigureAwait(false);
        var artifacts = new LocalArtifactStore(Path.Combine(folder, "artifacts"));
        CuratedDataset implicitData = await PreprocessAsync(log, MovieLens.BenchmarkPreprocessing(), MovieLens.BenchmarkMapping, artifacts).ConfigureAwait(false);
        var explicitOptions = new PreprocessingOptions
        {
            Feedback = FeedbackKind.Explicit,
            Split = new SplitOptions { Kind = SplitKind.StratifiedPerItem, TrainRatio = 0.75, Seed = 42 },
        };
        CuratedDataset explicitData = await PreprocessAsync(log, explicitOptions, ColumnMapping.AutoDetect, artifacts).ConfigureAwait(false);

        var measurements = new List<Measurement>();
        foreach ((string name, ModelKind kind, CuratedDataset data) in new[]
        {
            ("softmax", ModelKind.Softmax, implicitData),
            ("bpr", ModelKind.Bpr, implicitData),
            ("mf", ModelKind.MatrixFactorization, explicitData),
        })
        {
            var options = new TrainingOptions { Kind = kind, Device = TrainingDevice.Cpu, Epochs = Epochs }.Resolve(data.IsExplicit);
            TrainingResult result = await new ModelTrainer().TrainAsync(data, options, new TrainingRun($"bench-{name}"), artifacts, validator: null).ConfigureAwait(false);
            double[] ours = result.Epochs.Select(e => e.WallSeconds).ToArray();
            double[] minimal = MinimalLoops.Train(kind, data, options);
            double oursRate = data.Train.Count / Median(ours);
            double minimalRate = data.Train.Count / Median(minimal);
            measurements.Add(new Measurement("training", $"{name}-ours", Median(ours), 0, Figures(data, ours, oursRate / minimalRate)));
            measurements.Add(new Measurement("training", $"{name}-minimal", Median(minimal), 0, Figures(data, minimal, null)));
            Console.Error.WriteLine($"{name}: ours {oursRate:F0}/s, minimal {minimalRate:F0}/s");
        }

        return measurements;
    }

    private static async Task<CuratedDataset> PreprocessAsync(string log, PreprocessingOptions options, ColumnMapping mapping, IArtifactStore store)
    {
        PreprocessingResult result = await new PreprocessStep().RunAsync(new LocalFileLogSource([log]), mapping, options, store).ConfigureAwait(false);
        return await new CuratedDatasetReader(store).ReadAsync(result.DatasetVersion).ConfigureAwait(false);
    }

    private static double Median(double[] values)
    {
        double[] sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }

    private static Dictionary<string, double> Figures(CuratedDataset data, double[] epochSeconds, double? ratio)
    {
        var figures = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["interactions"] = data.Train.Count,
            ["interactionsPerSecond"] = Math.Round(data.Train.Count / Median(epochSeconds)),
        };
        for (int i = 0; i < epochSeconds.Length; i++)
        {
            figures[$"epoch{i + 1}Seconds"] = Math.Round(epochSeconds[i], 3);
        }

        if (ratio is { } value)
        {
            figures["rateOursOverMinimal"] = Math.Round(value, 3);
        }

        return figures;
    }
}

/// <summary>
/// The smallest honest TorchSharp training loops of the three models: data in tensors once,
/// <c>randperm</c> order per epoch, a dispose scope per batch, Adam. Returns seconds per epoch.
/// </summary>
internal static class MinimalLoops
{
    public static double[] Train(ModelKind kind, CuratedDataset data, TrainingOptions options)
    {
        torch.manual_seed(options.Seed);
        int dimension = options.Dimension;
        int batchSize = options.BatchSize;
        using Tensor users = torch.tensor(data.Train.Users).to(ScalarType.Int64);
        using Tensor items = torch.tensor(data.Train.Items).to(ScalarType.Int64);
        using Tensor ratings = torch.tensor(data.Train.Weights);
        using var userFactors = nn.Embedding(data.UserCount, dimension);
        using var itemFactors = nn.Embedding(data.ItemCount, dimension);
        using var userBias = nn.Embedding(data.UserCount, 1);
        using var itemBias = nn.Embedding(data.ItemCount, 1);
        using (torch.no_grad())
        {
            nn.init.normal_(userFactors.weight!, 0, 0.01);
            nn.init.normal_(itemFactors.weight!, 0, 0.01);
            nn.init.zeros_(userBias.weight!);
            nn.init.zeros_(itemBias.weight!);
        }

        var parameters = new List<TorchSharp.Modules.Parameter> { userFactors.weight!, itemFactors.weight! };
        if (kind == ModelKind.MatrixFactorization)
        {
            parameters.Add(userBias.weight!);
            parameters.Add(itemBias.weight!);
        }

        using var optimizer = torch.optim.Adam(parameters, lr: options.LearningRate!.Value);
        int count = data.Train.Count;
        float mean = data.Train.Weights.Average();
        var seconds = new double[options.Epochs];
        for (int epoch = 0; epoch < options.Epochs; epoch++)
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            using Tensor order = torch.randperm(count, dtype: ScalarType.Int64);
            for (long start = 0; start < count; start += batchSize)
            {
                using var scope = torch.NewDisposeScope();
                Tensor rows = order.narrow(0, start, Math.Min(batchSize, count - start));
                Tensor u = users.index_select(0, rows);
                Tensor i = items.index_select(0, rows);
                Tensor userRows = userFactors.forward(u);
                Tensor loss = kind switch
                {
                    ModelKind.Softmax => nn.functional.cross_entropy(userRows.matmul(itemFactors.weight!.t()), i),
                    ModelKind.Bpr => BprLoss(userRows, itemFactors, i, data.ItemCount, options.Negatives),
                    _ => nn.functional.mse_loss(
                        (userRows * itemFactors.forward(i)).sum(1) + userBias.forward(u).squeeze(1) + itemBias.forward(i).squeeze(1) + mean,
                        ratings.index_select(0, rows)),
                };
                optimizer.zero_grad();
                loss.backward();
                optimizer.step();
                _ = loss.item<float>();
            }

            seconds[epoch] = clock.Elapsed.TotalSeconds;
        }

        return seconds;
    }

    private static Tensor BprLoss(Tensor userRows, nn.Module<Tensor, Tensor> itemFactors, Tensor items, int itemCount, int negatives)
    {
        Tensor negativeItems = torch.randint(0, itemCount, [items.shape[0], negatives], dtype: ScalarType.Int64);
        Tensor positive = (userRows * itemFactors.forward(items)).sum(1, keepdim: true);
        Tensor negative = (userRows.unsqueeze(1) * itemFactors.forward(negativeItems)).sum(2);
        return -nn.functional.logsigmoid(positive - negative).mean();
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
