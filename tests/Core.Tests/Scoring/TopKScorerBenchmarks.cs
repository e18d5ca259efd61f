using System.Diagnostics;
using System.Runtime.InteropServices;
using Recommender.Core.Models;
using Recommender.Core.Scoring;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Recommender.Core.Tests.Scoring;

/// <summary>
/// All-users top-K timings next to the matrix product that feeds them and next to torch.topk.
/// Run with: RECOMMENDER_BENCHMARKS=1 dotnet test tests/Core.Tests -c Release --filter Category=Benchmark
/// </summary>
[Trait("Category", "Benchmark")]
public sealed class TopKScorerBenchmarks(ITestOutputHelper output)
{
    private const int Dimension = 64;

    [BenchmarkFact]
    public void ScoreAll_AgainstMatrixProductAndTorchTopK_PrintsTimings()
    {
        output.WriteLine($"cores {Environment.ProcessorCount}, torch threads {torch.get_num_threads()}, load {File.ReadAllText("/proc/loadavg").Trim()}");
        foreach (var (users, items) in new[] { (943, 1682), (50_000, 20_000) })
        {
            var random = new Random(5);
            var factors = new FactorSnapshot(
                Enumerable.Range(0, users * Dimension).Select(_ => (float)random.NextDouble() - 0.5f).ToArray(),
                Enumerable.Range(0, items * Dimension).Select(_ => (float)random.NextDouble() - 0.5f).ToArray(),
                users,
                items,
                Dimension);
            var seen = TopKScorerTests.RandomSeen(seed: 6, users, items, perUser: 200);
            using var scorer = new TopKScorer(factors, seen);
            int batch = scorer.BatchSize;
            using var userTensor = torch.tensor(factors.UserFactors, [users, Dimension]);
            using var itemTensor = torch.tensor(factors.ItemFactors, [items, Dimension]);
            using var itemsTransposed = itemTensor.t();

            int repeats = users < 10_000 ? 21 : 3;
            double matrixProduct = Measure(repeats, () =>
            {
                for (int start = 0; start < users; start += batch)
                {
                    using var scope = torch.NewDisposeScope();
                    _ = torch.mm(userTensor.narrow(0, start, Math.Min(batch, users - start)), itemsTransposed);
                }
            });

            foreach (int k in new[] { 10, 100 })
            {
                double selectionOnly = MeasureSelection(userTensor, itemsTransposed, users, items, batch, k, repeats);
                double ours = Measure(repeats, () => scorer.ScoreAll(k));
                double torchTopK = Measure(repeats, () =>
                {
                    for (int start = 0; start < users; start += batch)
                    {
                        using var scope = torch.NewDisposeScope();
                        var scores = torch.mm(userTensor.narrow(0, start, Math.Min(batch, users - start)), itemsTransposed);
                        _ = scores.topk(k, 1, largest: true, sorted: true);
                    }
                });
                output.WriteLine(
                    $"{users} users x {items} items, d={Dimension}, K={k}, batch {batch}: torch.mm {matrixProduct:F1} ms | " +
                    $"TopKScorer (mm + seen mask + selection) {ours:F1} ms | selection alone {selectionOnly:F1} ms | " +
                    $"torch.mm + torch.topk {torchTopK:F1} ms (topk alone ~{torchTopK - matrixProduct:F1} ms) | " +
                    $"mm at {2.0 * users * items * Dimension / matrixProduct / 1e6:F0} GFLOP/s");
            }
        }
    }

    /// <summary>
    /// The same comparison in CPU time of the calling thread with torch limited to one thread, which a
    /// busy shared host does not distort the way it distorts wall time.
    /// </summary>
    [BenchmarkFact]
    public void ScoreAll_SingleThreadCpuTime_PrintsCostAgainstMatrixProductAndTorchTopK()
    {
        int torchThreads = torch.get_num_threads();
        torch.set_num_threads(1);
        try
        {
            foreach (var (users, items, repeats) in new[] { (943, 1682, 40), (50_000, 20_000, 1) })
            {
                var random = new Random(5);
                var factors = new FactorSnapshot(
                    Enumerable.Range(0, users * Dimension).Select(_ => (float)random.NextDouble() - 0.5f).ToArray(),
                    Enumerable.Range(0, items * Dimension).Select(_ => (float)random.NextDouble() - 0.5f).ToArray(),
                    users,
                    items,
                    Dimension);
                var seen = TopKScorerTests.RandomSeen(seed: 6, users, items, perUser: 200);
                using var scorer = new TopKScorer(factors, seen);
                int batch = scorer.BatchSize;
                using var userTensor = torch.tensor(factors.UserFactors, [users, Dimension]);
                using var itemTensor = torch.tensor(factors.ItemFactors, [items, Dimension]);
                using var itemsTransposed = itemTensor.t();
                scorer.ScoreAll(10);

                double matrixProduct = ThreadCpu(repeats, () =>
                {
                    for (int start = 0; start < users; start += batch)
                    {
                        using var scope = torch.NewDisposeScope();
                        _ = torch.mm(userTensor.narrow(0, start, Math.Min(batch, users - start)), itemsTransposed);
                    }
                });
                foreach (int k in new[] { 10, 100 })
                {
                    double ours = ThreadCpu(repeats, () => scorer.ScoreAll(k));
                    double torchTopK = ThreadCpu(repeats, () =>
                    {
                        for (int start = 0; start < users; start += batch)
                        {
                            using var scope = torch.NewDisposeScope();
                            var scores = torch.mm(userTensor.narrow(0, start, Math.Min(batch, users - start)), itemsTransposed);
                            _ = scores.topk(k, 1, largest: true, sorted: true);
                        }
                    });
                    output.WriteLine(
                        $"CPU ms, one thread: {users} x {items}, d={Dimension}, K={k}: torch.mm {matrixProduct:F1} | TopKScorer {ours:F1} " +
                        $"(mask + selection {ours - matrixProduct:F1}) | torch.mm + torch.topk {torchTopK:F1} (topk {torchTopK - matrixProduct:F1})");
                }
            }
        }
        finally
        {
            torch.set_num_threads(torchThreads);
        }
    }

    /// <summary>Average CPU time of the calling thread per call, after one warm-up call.</summary>
    private static double ThreadCpu(int repeats, Action action)
    {
        action();
        double start = ThreadCpuMilliseconds();
        for (int run = 0; run < repeats; run++)
        {
            action();
        }

        return (ThreadCpuMilliseconds() - start) / repeats;
    }

    private static double ThreadCpuMilliseconds()
    {
        const int ThreadScope = 1;
        if (GetResourceUsage(ThreadScope, out var usage) != 0)
        {
            throw new InvalidOperationException("getrusage failed");
        }

        return ((usage.UserSeconds + usage.SystemSeconds) * 1000.0) + ((usage.UserMicroseconds + usage.SystemMicroseconds) / 1000.0);
    }

    [DllImport("libc", EntryPoint = "getrusage")]
    private static extern int GetResourceUsage(int who, out ResourceUsage usage);

    [StructLayout(LayoutKind.Sequential)]
    private struct ResourceUsage
    {
        public long UserSeconds;
        public long UserMicroseconds;
        public long SystemSeconds;
        public long SystemMicroseconds;
        public long MaxResidentSet;
        public long SharedMemory;
        public long UnsharedData;
        public long UnsharedStack;
        public long MinorFaults;
        public long MajorFaults;
        public long Swaps;
        public long BlocksIn;
        public long BlocksOut;
        public long MessagesSent;
        public long MessagesReceived;
        public long Signals;
        public long VoluntarySwitches;
        public long InvoluntarySwitches;
    }

    /// <summary>The selection step alone, on the calling thread like the scorer, over one real score batch repeated to cover every user.</summary>
    private static double MeasureSelection(Tensor users, Tensor itemsTransposed, int userCount, int items, int batch, int k, int repeats)
    {
        int rows = Math.Min(batch, userCount);
        float[] scores;
        using (var product = torch.mm(users.narrow(0, 0, rows), itemsTransposed))
        {
            scores = product.data<float>().ToArray();
        }

        var scratch = new ulong[TopKSelection.ScratchLength(k)];
        var bestItems = new int[k];
        var bestScores = new float[k];
        return Measure(repeats, () =>
        {
            for (int done = 0; done < userCount; done += rows)
            {
                for (int row = 0; row < Math.Min(rows, userCount - done); row++)
                {
                    TopKSelection.SelectRow(scores.AsSpan(row * items, items), k, scratch, bestItems, bestScores);
                }
            }
        });
    }

    /// <summary>Median wall time of one call, after a warm-up long enough for the JIT to reach optimized code.</summary>
    private static double Measure(int repeats, Action action)
    {
        var warmUp = Stopwatch.StartNew();
        do
        {
            action();
        }
        while (warmUp.ElapsedMilliseconds < 300);

        var times = new List<double>();
        for (int run = 0; run < Math.Max(3, repeats); run++)
        {
            var clock = Stopwatch.StartNew();
            action();
            times.Add(clock.Elapsed.TotalMilliseconds);
        }

        times.Sort();
        return times[times.Count / 2];
    }
}
