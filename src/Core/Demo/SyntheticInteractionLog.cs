using System.Globalization;
using Parquet;
using Parquet.Schema;

namespace Recommender.Core.Demo;

/// <summary>Shape of a generated interaction log.</summary>
public sealed record SyntheticLogOptions
{
    /// <summary>Number of users.</summary>
    public int Users { get; init; } = 3_000;

    /// <summary>Number of items.</summary>
    public int Items { get; init; } = 1_200;

    /// <summary>Number of taste clusters; each user and item belongs to one.</summary>
    public int Clusters { get; init; } = 12;

    /// <summary>Mean interactions per user (log-normal around it, at least <see cref="MinPerUser"/>).</summary>
    public int MeanPerUser { get; init; } = 30;

    /// <summary>Fewest interactions a user gets.</summary>
    public int MinPerUser { get; init; } = 5;

    /// <summary>Share of a user's interactions drawn from their own cluster (the rest follow global popularity).</summary>
    public double InClusterShare { get; init; } = 0.8;

    /// <summary>Zipf exponent of item popularity.</summary>
    public double PopularitySkew { get; init; } = 1.0;

    /// <summary>Share of rows repeated as a later event on the same (user, item) pair.</summary>
    public double DuplicateShare { get; init; }

    /// <summary>Share of rows whose user id is null, as broken producers emit.</summary>
    public double MissingUserShare { get; init; }

    /// <summary>Rows per Parquet row group.</summary>
    public int RowGroupSize { get; init; } = 100_000;

    /// <summary>Random seed: the same options give the same file.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>Start of the time span the events fall in.</summary>
    public DateTimeOffset Start { get; init; } = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Length of the time span in days.</summary>
    public int Days { get; init; } = 90;

    /// <summary>
    /// When true the log also has a <c>rating</c> column (INT32, 1–5): items of the user's own cluster
    /// are rated 4 or 5, others 1 to 3, so the same log serves explicit models. Default false.
    /// </summary>
    public bool Ratings { get; init; }
}

/// <summary>
/// Generates a realistic interaction log as Parquet: users with planted taste clusters,
/// Zipf-skewed item popularity, view/click/purchase events and timestamps. The demo runs on
/// it, and tests use it because the right answer is known: users should be recommended
/// popular items of their own cluster.
/// </summary>
public static class SyntheticInteractionLog
{
    private static readonly string[] EventTypes = ["view", "click", "purchase"];

    /// <summary>Column schema of generated logs: string user ids, int64 item ids, event type, TIMESTAMP.</summary>
    public static ParquetSchema Schema { get; } = new(
        new DataField<string>("user_id"),
        new DataField<long>("item_id"),
        new DataField<string>("event_type"),
        new DataField<DateTime>("timestamp"));

    /// <summary>Column schema of logs with <see cref="SyntheticLogOptions.Ratings"/>: <see cref="Schema"/> and an INT32 <c>rating</c>.</summary>
    public static ParquetSchema SchemaWithRatings { get; } = new(
        new DataField<string>("user_id"),
        new DataField<long>("item_id"),
        new DataField<string>("event_type"),
        new DataField<DateTime>("timestamp"),
        new DataField<int>("rating"));

    /// <summary>The cluster of user <paramref name="user"/> (for checking recommendations against the plant).</summary>
    public static int ClusterOfUser(int user, SyntheticLogOptions options) => user % options.Clusters;

    /// <summary>The cluster of item <paramref name="item"/>.</summary>
    public static int ClusterOfItem(long item, SyntheticLogOptions options) => (int)(item % options.Clusters);

    /// <summary>External id of user <paramref name="user"/>.</summary>
    public static string UserId(int user) => string.Create(CultureInfo.InvariantCulture, $"user-{user:D6}");

    /// <summary>Writes the log to <paramref name="output"/> and returns the number of rows.</summary>
    public static async Task<long> WriteAsync(Stream output, SyntheticLogOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Clusters, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Items, options.Clusters);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Users, 1);

        var random = new Random(options.Seed);
        var global = new ZipfSampler(options.Items, options.PopularitySkew);
        int perCluster = (options.Items + options.Clusters - 1) / options.Clusters;
        var withinCluster = new ZipfSampler(perCluster, options.PopularitySkew);
        long spanSeconds = options.Days * 86_400L;

        var users = new List<string?>(options.RowGroupSize);
        var items = new List<long>(options.RowGroupSize);
        var events = new List<string>(options.RowGroupSize);
        var times = new List<DateTime>(options.RowGroupSize);
        List<int>? ratings = options.Ratings ? new List<int>(options.RowGroupSize) : null;
        long rows = 0;

        ParquetSchema schema = options.Ratings ? SchemaWithRatings : Schema;
        await using ParquetWriter writer = await ParquetWriter.CreateAsync(schema, output, cancellationToken: cancellationToken).ConfigureAwait(false);
        for (int user = 0; user < options.Users; user++)
        {
            int cluster = ClusterOfUser(user, options);
            int count = Math.Max(options.MinPerUser, (int)Math.Round(options.MeanPerUser * Math.Exp(0.6 * Gaussian(random) - 0.18)));
            long userStart = (long)(random.NextDouble() * spanSeconds * 0.5);
            for (int n = 0; n < count; n++)
            {
                long item;
                if (random.NextDouble() < options.InClusterShare)
                {
                    // Items of a cluster are cluster, cluster + C, cluster + 2C, ...; lower rank = more popular.
                    long rank = Math.Min(withinCluster.Sample(random), (options.Items - 1 - cluster) / options.Clusters);
                    item = cluster + (rank * options.Clusters);
                }
                else
                {
                    item = global.Sample(random);
                }

                long second = userStart + (long)(random.NextDouble() * (spanSeconds - userStart));
                int copies = random.NextDouble() < options.DuplicateShare ? 2 : 1;
                for (int copy = 0; copy < copies; copy++)
                {
                    double roll = random.NextDouble();
                    users.Add(random.NextDouble() < options.MissingUserShare ? null : UserId(user));
                    items.Add(item);
                    events.Add(roll < 0.7 ? EventTypes[0] : roll < 0.93 ? EventTypes[1] : EventTypes[2]);
                    times.Add(options.Start.AddSeconds(Math.Min(spanSeconds, second + (copy * 3_600))).UtcDateTime);
                    ratings?.Add(ClusterOfItem(item, options) == cluster ? 4 + random.Next(2) : 1 + random.Next(3));
                    if (users.Count == options.RowGroupSize)
                    {
                        rows += await FlushAsync(writer, schema, users, items, events, times, ratings, cancellationToken).ConfigureAwait(false);
                    }
                }
            }
        }

        if (users.Count > 0)
        {
            rows += await FlushAsync(writer, schema, users, items, events, times, ratings, cancellationToken).ConfigureAwait(false);
        }

        return rows;
    }

    private static async Task<int> FlushAsync(ParquetWriter writer, ParquetSchema schema, List<string?> users, List<long> items, List<string> events, List<DateTime> times, List<int>? ratings, CancellationToken cancellationToken)
    {
        using ParquetRowGroupWriter group = writer.CreateRowGroup();
        var fields = schema.DataFields;
        await group.WriteAsync(fields[0], users).ConfigureAwait(false);
        await group.WriteAsync<long>(fields[1], items.ToArray(), cancellationToken: cancellationToken).ConfigureAwait(false);
        await group.WriteAsync(fields[2], events).ConfigureAwait(false);
        await group.WriteAsync<DateTime>(fields[3], times.ToArray(), cancellationToken: cancellationToken).ConfigureAwait(false);
        if (ratings is not null)
        {
            await group.WriteAsync<int>(fields[4], ratings.ToArray(), cancellationToken: cancellationToken).ConfigureAwait(false);
            ratings.Clear();
        }

        int count = users.Count;
        users.Clear();
        items.Clear();
        events.Clear();
        times.Clear();
        return count;
    }

    private static double Gaussian(Random random)
    {
        double u1 = 1.0 - random.NextDouble();
        double u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    /// <summary>Samples ranks 0..n-1 with probability proportional to 1/(rank+1)^s, by inverting the cumulative table.</summary>
    private sealed class ZipfSampler
    {
        private readonly double[] _cumulative;

        public ZipfSampler(int n, double exponent)
        {
            _cumulative = new double[n];
            double total = 0;
            for (int rank = 0; rank < n; rank++)
            {
                total += 1.0 / Math.Pow(rank + 1, exponent);
                _cumulative[rank] = total;
            }

            for (int rank = 0; rank < n; rank++)
            {
                _cumulative[rank] /= total;
            }
        }

        public long Sample(Random random)
        {
            int index = Array.BinarySearch(_cumulative, random.NextDouble());
            return index >= 0 ? index : Math.Min(~index, _cumulative.Length - 1);
        }
    }
}
