using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Recommender.Core.Lookup;
using Recommender.Functions.Api;
using Recommender.Functions.Tests.Infrastructure;
using Recommender.Functions.Tests.Pipeline;
using Recommender.Integration.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Recommender.Functions.Tests.Reliability;

/// <summary>The recommendations endpoint over the Table lookup store under sustained concurrent reads while new versions are written and published.</summary>
[Trait("Category", "Integration")]
[Collection(ReliabilityCollection.Name)]
public sealed class ReadLoadTests(AzuriteFixture azurite, ReliabilityReport report, ITestOutputHelper output)
{
    private const int Users = 200;
    private const int ListLength = 10;
    private const int Readers = 16;

    /// <summary>The readers read at least this long, so the figures describe sustained load.</summary>
    private static readonly TimeSpan LoadDuration = TimeSpan.FromSeconds(8);

    /// <summary>
    /// On a loaded machine a version may take longer than <see cref="LoadDuration"/> to write and publish: the readers
    /// go on until they have seen a version published during the load, up to this ceiling.
    /// </summary>
    private static readonly TimeSpan Ceiling = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task ConcurrentReadsDuringPublishes_NoErrors_EveryResponseIsOneWholeVersion()
    {
        await using PipelineTestHost host = await PipelineTestHost.StartAsync(azurite);
        ILookupStore lookup = host.Lookup;
        await WriteVersionAsync(lookup, "load-v1");
        await lookup.PublishAsync("load-v1");
        var api = ActivatorUtilities.CreateInstance<RecommendationsApi>(host.Services);

        using var stop = new CancellationTokenSource();
        var published = new List<string> { "load-v1" };
        Task writer = Task.Run(async () =>
        {
            // Writes and publishes new versions, one after another, for as long as the readers read.
            for (int n = 2; !stop.IsCancellationRequested; n++)
            {
                string version = $"load-v{n}";
                await WriteVersionAsync(lookup, version);
                await lookup.PublishAsync(version);
                lock (published)
                {
                    published.Add(version);
                }
            }
        });
        var clock = Stopwatch.StartNew();
        var seenByAnyReader = new ConcurrentDictionary<string, bool>(StringComparer.Ordinal);
        bool Done() => clock.Elapsed >= Ceiling || (clock.Elapsed >= LoadDuration && seenByAnyReader.Count >= 2);
        Task<ReaderResult>[] readers = Enumerable.Range(0, Readers).Select(seed => Task.Run(() => ReadAsync(api, seed, seenByAnyReader, Done))).ToArray();
        ReaderResult[] results = await Task.WhenAll(readers);
        double seconds = clock.Elapsed.TotalSeconds;
        await stop.CancelAsync();
        await writer;

        var latencies = results.SelectMany(r => r.LatenciesMs).Order().ToArray();
        var failures = results.SelectMany(r => r.Failures).ToList();
        var versionsSeen = results.SelectMany(r => r.VersionsSeen).ToHashSet(StringComparer.Ordinal);
        string figures = string.Create(CultureInfo.InvariantCulture,
            $"{latencies.Length} requests by {Readers} readers in {seconds:F1} s = {latencies.Length / seconds:F0} req/s; latency p50 {Percentile(latencies, 0.50):F1} ms, p95 {Percentile(latencies, 0.95):F1} ms, p99 {Percentile(latencies, 0.99):F1} ms; {published.Count - 1} versions published during the load, {versionsSeen.Count} seen by readers; {failures.Count} errors or mixed responses");
        output.WriteLine(figures);
        foreach (string failure in failures.Take(10))
        {
            output.WriteLine(failure);
        }

        Assert.Empty(failures);
        Assert.True(published.Count >= 2, "No new version was published while the readers read.");
        Assert.True(versionsSeen.Count >= 2, string.Create(CultureInfo.InvariantCulture, $"Readers saw only {string.Join(", ", versionsSeen)} in {seconds:F0} s."));
        report.Record(ReliabilityReport.Cases[3], figures);
    }

    private static async Task WriteVersionAsync(ILookupStore lookup, string version)
    {
        DateTimeOffset now = DateTimeOffset.UtcNow;
        var lists = Enumerable.Range(0, Users).Select(u => ListOf(UserId(u), version, now, offset: u)).ToList();
        foreach (UserRecommendations[] batch in lists.Chunk(50))
        {
            await lookup.WriteAsync(version, batch);
        }

        await lookup.WriteFallbackAsync(version, ListOf("*", version, now, offset: 0));
    }

    // Item ids carry the version, so a response that mixes versions shows it.
    private static UserRecommendations ListOf(string user, string version, DateTimeOffset now, int offset) => new(
        user,
        Enumerable.Range(0, ListLength).Select(i => $"{version}-item-{(offset + i) % 97}").ToList(),
        Enumerable.Range(0, ListLength).Select(i => 1f - (i * 0.05f)).ToList(),
        version,
        now);

    private static string UserId(int user) => $"user-{user:D5}";

    private static async Task<ReaderResult> ReadAsync(RecommendationsApi api, int seed, ConcurrentDictionary<string, bool> seenByAnyReader, Func<bool> done)
    {
        var random = new Random(seed);
        var result = new ReaderResult();
        while (!done())
        {
            // One request in ten is for a user without a list, so the fallback path is read too.
            string user = random.Next(10) == 0 ? $"unknown-{random.Next(1000)}" : UserId(random.Next(Users));
            long started = Stopwatch.GetTimestamp();
            try
            {
                IActionResult response = await api.GetRecommendations(TrainingPipelineTests.Request("GET", $"/api/recommendations/{user}", "?k=10"), user, CancellationToken.None);
                result.LatenciesMs.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                if (response is not OkObjectResult { Value: RecommendationsResponse body })
                {
                    result.Failures.Add($"{user}: {response.GetType().Name}");
                    continue;
                }

                result.VersionsSeen.Add(body.ModelVersion);
                seenByAnyReader.TryAdd(body.ModelVersion, true);
                string prefix = body.ModelVersion + "-item-";
                if (body.Items.Count != ListLength || body.Items.Any(item => !item.ItemId.StartsWith(prefix, StringComparison.Ordinal)))
                {
                    result.Failures.Add($"{user}: version {body.ModelVersion} with items {string.Join(",", body.Items.Select(i => i.ItemId))}");
                }
            }
            catch (Exception ex) when (ex is Azure.RequestFailedException or InvalidOperationException or HttpRequestException)
            {
                result.LatenciesMs.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                result.Failures.Add($"{user}: {ex.GetType().Name}: {ex.Message}");
            }
        }

        return result;
    }

    private static double Percentile(double[] sorted, double fraction) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(fraction * sorted.Length) - 1, 0, sorted.Length - 1)];

    private sealed class ReaderResult
    {
        public List<double> LatenciesMs { get; } = [];

        public List<string> Failures { get; } = [];

        public HashSet<string> VersionsSeen { get; } = new(StringComparer.Ordinal);
    }
}
