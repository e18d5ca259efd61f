using System.Diagnostics;
using Recommender.Core.Datasets;
using Recommender.Core.Models;
using Recommender.Core.Scoring;
using TorchSharp;

namespace Recommender.Benchmarks;

/// <summary>
/// All-users top-K with seen items excluded, next to the bare matrix product of the same shapes
/// (the figure that counts is the ratio) and next to torch.topk over the same scores, in one run.
/// </summary>
internal static class ScoringBenchmark
{
    private const int Dimension = 64;

    public static IReadOnlyList<Measurement> Run()
    {
        var measurements = new List<Measurement>();
        int threads = torch.get_num_threads();
        try
        {
            // Also on one thread: a busy shared host distorts multi-threaded wall time far more.
            foreach (int threadCount in new[] { threads, 1 }.Distinct())
            {
                torch.set_num_threads(threadCount);
                Measure(measurements, threadCount);
            }
        }
        finally
        {
            torch.set_num_threads(threads);
        }

        return measurements;
    }

    private static void Measure(List<Measurement> measurements, int threadCount)
    {
        foreach ((int users, int items) in new[] { (943, 1_682), (50_000, 20_000) })
        {
            var random = new Random(5);
            var factors = new FactorSnapshot(
                Enumerable.Range(0, users * Dimension).Select(_ => (float)random.NextDouble() - 0.5f).ToArray(),
                Enumerable.Range(0, items * Dimension).Select(_ => (float)random.NextDouble() - 0.5f).ToArray(),
                users,
                items,
                Dimension);
            UserItemSets seen = RandomSeen(random, users, items, perUser: Math.Min(100, items / 10));
            using var scorer = new TopKScorer(factors, seen);
            int batch = scorer.BatchSize;
            using var userTensor = torch.tensor(factors.UserFactors, [users, Dimension]);
            using var itemTensor = torch.tensor(factors.ItemFactors, [items, Dimension]);
            using var itemsTransposed = itemTensor.t();
            int repeats = users < 10_000 ? 15 : 3;
            string shape = $"{users}x{items} {threadCount}t";

            double product = Best(repeats, () => ForEachBatch(users, batch, (start, count) =>
            {
                using var scope = torch.NewDisposeScope();
                _ = torch.mm(userTensor.narrow(0, start, count), itemsTransposed);
            }));
            foreach (int k in new[] { 10, 100 })
            {
                double ours = Best(repeats, () => scorer.ScoreAll(k));
                double topk = Best(repeats, () => ForEachBatch(users, batch, (start, count) =>
                {
                    using var scope = torch.NewDisposeScope();
                    _ = torch.mm(userTensor.narrow(0, start, count), itemsTransposed).topk(k, 1);
                }));
                measurements.Add(new Measurement("scoring", $"{shape} K={k}", ours, 0, new Dictionary<string, double>
                {
                    ["matrixProductSeconds"] = product,
                    ["topKScorerSeconds"] = ours,
                    ["torchMmPlusTopkSeconds"] = topk,
                    ["ratioToMatrixProduct"] = ours / product,
                    ["usersPerSecond"] = users / ours,
                }));
            }
        }
    }

    private static void ForEachBatch(int users, int batch, Action<int, int> body)
    {
        for (int start = 0; start < users; start += batch)
        {
            body(start, Math.Min(batch, users - start));
        }
    }

    private static double Best(int repeats, Action action)
    {
        action();
        double best = double.MaxValue;
        for (int i = 0; i < repeats; i++)
        {
            var clock = Stopwatch.StartNew();
            action();
            best = Math.Min(best, clock.Elapsed.TotalSeconds);
        }

        return best;
    }

    private static UserItemSets RandomSeen(Random random, int users, int items, int perUser)
    {
        var userColumn = new int[users * perUser];
        var itemColumn = new int[users * perUser];
        for (int u = 0; u < users; u++)
        {
            for (int j = 0; j < perUser; j++)
            {
                userColumn[(u * perUser) + j] = u;
                itemColumn[(u * perUser) + j] = random.Next(items);
            }
        }

        var table = new InteractionTable(userColumn, itemColumn, new float[userColumn.Length], new long[userColumn.Length]);
        return UserItemSets.FromInteractions(table, users, items);
    }
}
