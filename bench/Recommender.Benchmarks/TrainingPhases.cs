using System.Diagnostics;
using Recommender.Core.Datasets;
using Recommender.Core.Models;
using Recommender.Core.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Recommender.Benchmarks;

/// <summary>
/// Where a training batch's time goes: forward, backward and optimizer step of each model kind, with
/// the trainer's lazy row-wise Adam and with TorchSharp's dense Adam, alternating batch by batch on
/// the same model and data so that both see the same machine load. Milliseconds per batch.
/// </summary>
internal static class TrainingPhases
{
    private const int Passes = 2;

    public static IEnumerable<Measurement> Measure(string name, ModelKind kind, CuratedDataset data)
    {
        TrainingOptions options = new TrainingOptions { Kind = kind, Device = TrainingDevice.Cpu }.Resolve(data.IsExplicit);
        var shape = new ModelShape(kind, data.UserCount, data.ItemCount, options.Dimension);
        var loss = new ModelLossSettings(options.Regularization!.Value, options.Negatives, options.FullSoftmaxMaxItems, options.SampledNegatives, 3f, WeighsImplicitInteractions: ModelKindFeedback.ReadsStrengths(kind, data.IsExplicit));
        using ItemSampler sampler = ItemSampler.LogUniform(data.ItemCount, data.Train.Items, torch.CPU);
        using EmbeddingModel model = ModelFactory.Create(shape, loss, sampler);
        using var generator = new Generator(1, torch.CPU);
        model.InitializeParameters(generator, options.InitialStandardDeviation);
        using var adam = torch.optim.Adam(model.parameters(), lr: options.LearningRate!.Value);
        var lazy = new LazyAdam(adam, model, options.LearningRate!.Value, weightDecay: 0);
        // Shuffled once, as an epoch sees them: the stored order groups each user's rows together.
        using Tensor order = torch.randperm(data.Train.Count, dtype: ScalarType.Int64, generator: generator);
        using var storedOrder = torch.NewDisposeScope();
        Tensor users = torch.tensor(data.Train.Users).to(ScalarType.Int64).index_select(0, order);
        Tensor items = torch.tensor(data.Train.Items).to(ScalarType.Int64).index_select(0, order);
        Tensor ratings = torch.tensor(data.Train.Weights).index_select(0, order);
        var rows = new GatheredRows(options.LazyUpdateMinRows);
        var lazyPhases = new double[3];
        var densePhases = new double[3];
        int batchSize = options.BatchSize!.Value;
        int batches = 0;
        for (int pass = 0; pass < Passes; pass++)
        {
            for (long start = 0; start + batchSize <= data.Train.Count; start += batchSize, batches++)
            {
                using var scope = torch.NewDisposeScope();
                bool useLazy = batches % 2 == 0;
                rows.Clear();
                var batch = new TrainingBatch(
                    users.narrow(0, start, batchSize),
                    items.narrow(0, start, batchSize),
                    model.UsesInteractionWeights ? ratings.narrow(0, start, batchSize) : null,
                    generator,
                    useLazy ? rows : null);
                long begin = Stopwatch.GetTimestamp();
                adam.zero_grad();
                Tensor value = model.ComputeLoss(batch);
                _ = value.item<float>();
                long forward = Stopwatch.GetTimestamp();
                value.backward();
                long backward = Stopwatch.GetTimestamp();
                if (useLazy)
                {
                    lazy.Step(rows);
                }
                else
                {
                    adam.step();
                }

                long step = Stopwatch.GetTimestamp();
                double[] phases = useLazy ? lazyPhases : densePhases;
                phases[0] += Stopwatch.GetElapsedTime(begin, forward).TotalMilliseconds;
                phases[1] += Stopwatch.GetElapsedTime(forward, backward).TotalMilliseconds;
                phases[2] += Stopwatch.GetElapsedTime(backward, step).TotalMilliseconds;
            }
        }

        int each = batches / 2;
        yield return Phases(name, "ours", lazyPhases, each);
        yield return Phases(name, "torch-adam", densePhases, each);
    }

    private static Measurement Phases(string name, string optimizer, double[] phases, int batches)
    {
        var figures = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["forwardMs"] = Math.Round(phases[0] / batches, 3),
            ["backwardMs"] = Math.Round(phases[1] / batches, 3),
            ["stepMs"] = Math.Round(phases[2] / batches, 3),
            ["batches"] = batches,
        };
        Console.Error.WriteLine($"{name} {optimizer}: forward {figures["forwardMs"]} ms, backward {figures["backwardMs"]} ms, step {figures["stepMs"]} ms per batch");
        return new Measurement("training-phases", $"{name}-{optimizer}", phases.Sum() / batches / 1000, 0, figures);
    }
}
