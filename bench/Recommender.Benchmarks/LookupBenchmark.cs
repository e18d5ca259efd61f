using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Azure.Data.Tables;
using Recommender.Core.Lookup;

namespace Recommender.Benchmarks;

/// <summary>
/// The lookup table's write and read paths: <c>users</c> top-100 lists written in batches of 500
/// (as the scoring stage writes them) to <see cref="TableLookupStore"/> on a local Azurite and to
/// <see cref="SqliteLookupStore"/>, then point reads of random users through the active version
/// (as the API reads) by 32 concurrent readers for a fixed time, with latency percentiles.
/// Everything runs on loopback; Azurite is the repository's pinned emulator.
/// </summary>
internal static class LookupBenchmark
{
    // Azurite's published development account; it only opens the local emulator.
    private const string DevelopmentAccount = "devstoreaccount1";
    private const string DevelopmentKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    private const int ListLength = 100;
    private const int WriteBatch = 500;
    private const int Readers = 32;
    private const string Version = "bench";

    public static async Task<IReadOnlyList<Measurement>> RunAsync(string repository, string workFolder, int users, int seconds)
    {
        string folder = Path.Combine(workFolder, "lookup");
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }

        Directory.CreateDirectory(folder);
        var measurements = new List<Measurement>();
        using (Process azurite = await StartAzuriteAsync(repository, Path.Combine(folder, "azurite"), out int tablePort).ConfigureAwait(false))
        {
            try
            {
                string connection = $"DefaultEndpointsProtocol=http;AccountName={DevelopmentAccount};AccountKey={DevelopmentKey};" +
                    $"TableEndpoint=http://127.0.0.1:{tablePort}/{DevelopmentAccount};";
                var table = new TableLookupStore(new TableClient(connection, "benchrecs"));
                await table.EnsureCreatedAsync().ConfigureAwait(false);
                measurements.Add(await MeasureAsync("table-azurite", table, users, seconds).ConfigureAwait(false));
            }
            finally
            {
                azurite.Kill(entireProcessTree: true);
                await azurite.WaitForExitAsync().ConfigureAwait(false);
            }
        }

        using var sqlite = new SqliteLookupStore(Path.Combine(folder, "lookup.db"));
        measurements.Add(await MeasureAsync("sqlite", sqlite, users, seconds).ConfigureAwait(false));
        return measurements;
    }

    private static async Task<Measurement> MeasureAsync(string contender, ILookupStore store, int users, int seconds)
    {
        var random = new Random(42);
        DateTimeOffset generated = DateTimeOffset.UtcNow;
        var writeClock = Stopwatch.StartNew();
        var batch = new List<UserRecommendations>(WriteBatch);
        for (int user = 0; user < users; user++)
        {
            var items = new string[ListLength];
            var scores = new float[ListLength];
            for (int k = 0; k < ListLength; k++)
            {
                items[k] = random.Next(1, 50_000).ToString(CultureInfo.InvariantCulture);
                scores[k] = 1f - (k / (float)ListLength);
            }

            batch.Add(new UserRecommendations(UserId(user), items, scores, Version, generated));
            if (batch.Count == WriteBatch || user == users - 1)
            {
                await store.WriteAsync(Version, batch).ConfigureAwait(false);
                batch.Clear();
            }
        }

        double writeSeconds = writeClock.Elapsed.TotalSeconds;
        await store.PublishAsync(Version).ConfigureAwait(false);
        Console.Error.WriteLine($"{contender}: wrote {users} users in {writeSeconds:F1} s");

        // Warm the connection pool before timing.
        for (int i = 0; i < Readers; i++)
        {
            _ = await store.GetAsync(UserId(i)).ConfigureAwait(false);
        }

        var deadline = Stopwatch.StartNew();
        TimeSpan duration = TimeSpan.FromSeconds(seconds);
        var perReader = new List<double>[Readers];
        int misses = 0;
        await Task.WhenAll(Enumerable.Range(0, Readers).Select(reader => Task.Run(async () =>
        {
            var own = new Random(1000 + reader);
            var latencies = new List<double>(1 << 14);
            while (deadline.Elapsed < duration && latencies.Count < 10_000_000)
            {
                long start = Stopwatch.GetTimestamp();
                UserRecommendations? list = await store.GetAsync(UserId(own.Next(users))).ConfigureAwait(false);
                latencies.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                if (list is not { ItemIds.Count: ListLength })
                {
                    Interlocked.Increment(ref misses);
                }
            }

            perReader[reader] = latencies;
        }))).ConfigureAwait(false);
        double readSeconds = deadline.Elapsed.TotalSeconds;
        double[] all = perReader.SelectMany(l => l).Order().ToArray();
        // Both stores run in this process, so its peak memory would not tell them apart.
        return new Measurement("lookup", contender, writeSeconds, 0, new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["users"] = users,
            ["usersWrittenPerSecond"] = Math.Round(users / writeSeconds),
            ["reads"] = all.Length,
            ["readsPerSecond"] = Math.Round(all.Length / readSeconds),
            ["p50Ms"] = Math.Round(Percentile(all, 0.50), 3),
            ["p95Ms"] = Math.Round(Percentile(all, 0.95), 3),
            ["p99Ms"] = Math.Round(Percentile(all, 0.99), 3),
            ["misses"] = misses,
            ["readers"] = Readers,
        });
    }

    private static string UserId(int user) => "user-" + user.ToString(CultureInfo.InvariantCulture);

    private static double Percentile(double[] sorted, double quantile) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)(quantile * sorted.Length))];

    private static Task<Process> StartAzuriteAsync(string repository, string dataFolder, out int tablePort)
    {
        string executable = Path.Combine(repository, "eng", "azurite", "node_modules", ".bin", "azurite");
        if (!File.Exists(executable))
        {
            using Process npm = Process.Start(new ProcessStartInfo("npm", ["ci", "--prefix", Path.Combine(repository, "eng", "azurite"), "--no-audit", "--no-fund", "--loglevel=error"]))
                ?? throw new InvalidOperationException("npm did not start.");
            npm.WaitForExit();
            if (npm.ExitCode != 0 || !File.Exists(executable))
            {
                throw new InvalidOperationException($"Installing Azurite with npm failed (exit {npm.ExitCode}).");
            }
        }

        Directory.CreateDirectory(dataFolder);
        int blobPort = FreePort();
        int queuePort = FreePort();
        tablePort = FreePort();
        var start = new ProcessStartInfo(executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in new[]
        {
            "--silent", "--disableTelemetry", "--skipApiVersionCheck", "--loose", "--location", dataFolder,
            "--blobHost", "127.0.0.1", "--blobPort", blobPort.ToString(CultureInfo.InvariantCulture),
            "--queueHost", "127.0.0.1", "--queuePort", queuePort.ToString(CultureInfo.InvariantCulture),
            "--tableHost", "127.0.0.1", "--tablePort", tablePort.ToString(CultureInfo.InvariantCulture),
        })
        {
            start.ArgumentList.Add(argument);
        }

        Process process = Process.Start(start) ?? throw new InvalidOperationException("Azurite did not start.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return WaitForPortAsync(process, tablePort);
    }

    private static async Task<Process> WaitForPortAsync(Process process, int port)
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            using var client = new TcpClient();
            try
            {
                await client.ConnectAsync(IPAddress.Loopback, port).ConfigureAwait(false);
                return process;
            }
            catch (SocketException) when (!process.HasExited && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100).ConfigureAwait(false);
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
