using System.Diagnostics;
using Recommender.Core.Models;
using Recommender.Core.Scoring;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Recommender.Core.Tests.Scoring;

[Trait("Category", "Benchmark")]
public sealed class TopKScorerBenchmarks(ITestOutputHelper output)
{
    [BenchmarkFact]
    public void ScoreAll_AgainstMatrixProductAndTorchTopK_PrintsTimings()
    {
        foreach (var (users, items) in new[] { (943, 1682), (50_000, 20_000) })
        {
            const int dimension = 64;
            var random = new Random(5);
            var factors = new FactorSnapshot(
                Enumerable.Range(0, users * dimension).Select(_ => (float)random.NextDouble() - 0.5f).ToArray(),
                Enumerable.Range(0, items * dimension).Select(_ => (float)random.NextDouble() - 0.5f).ToArray(),
                users,
                items,
                dimension);
            var seen = TopKScorerTests.RandomSeen(seed: 6, users, items, perUser: 200);
            using var scorer = new TopKScorer(factors, seen);
            int batch = scorer.BatchSize;
            using var userTensor = torch.tensor(factors.UserFactors, [users, dimension]);
            using var itemTensor = torch.tensor(factors.ItemFactors, [items, dimension]);
            using var itemsTransposed = itemTensor.t();

            scorer.ScoreUsers(10, 0, Math.Min(users, batch));
            double gemm = Best(() =>
            {
                for (int start = 0; start < users; start += batch)
                {
                    using var scope = torch.NewDisposeScope();
                    _ = torch.mm(userTensor.narrow(0, start, Math.Min(batch, users - start)), itemsTransposed);
                }
            });

            foreach (int k in new[] { 10, 100 })
            {
                double ours = Best(() => scorer.ScoreAll(k));
                double torchTopK = Best(() =>
                {
                    for (int start = 0; start < users; start += batch)
                    {
                        using var scope = torch.NewDisposeScope();
                        var scores = torch.mm(userTensor.narrow(0, start, Math.Min(batch, users - start)), itemsTransposed);
                        _ = scores.topk(k, 1, largest: true, sorted: true);
                    }
                });
                output.WriteLine(
                    $"{users}x{items} d={dimension} K={k} batch={batch}: torch.mm {gemm:F0} ms | TopKScorer (mm+mask+select) {ours:F0} ms " +
                    $"(selection ~{ours - gemm:F0} ms) | torch.mm+torch.topk {torchTopK:F0} ms (topk ~{torchTopK - gemm:F0} ms) | " +
                    $"{2.0 * users * items * dimension / gemm / 1e6:F0} GFLOP/s");
            }
        }
    }

    private static double Best(Action action)
    {
        double best = double.MaxValue;
        for (int run = 0; run < 3; run++)
        {
            var clock = Stopwatch.StartNew();
            action();
            best = Math.Min(best, clock.Elapsed.TotalMilliseconds);
        }

        return best;
    }
}
