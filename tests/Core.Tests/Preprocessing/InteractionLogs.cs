using System.Globalization;
using System.Runtime.CompilerServices;
using Recommender.Core.Ingestion;
using Recommender.Core.Preprocessing;

namespace Recommender.Core.Tests.Preprocessing;

/// <summary>Builds interaction batches and logs from arrays for preprocessing tests.</summary>
internal static class InteractionLogs
{
    public static InteractionBatch Numeric(
        long[] users, long[] items, float[]? values = null, string?[]? eventTypes = null, long[]? timestamps = null, string source = "log.parquet", long firstRow = 0) =>
        new()
        {
            Source = source,
            FirstRow = firstRow,
            Count = users.Length,
            Users = IdColumn.FromNumbers(users),
            Items = IdColumn.FromNumbers(items),
            Values = values,
            EventTypes = eventTypes,
            TimestampsMicros = timestamps,
        };

    public static InteractionBatch Text(
        string?[] users, string?[] items, float[]? values = null, string?[]? eventTypes = null, long[]? timestamps = null, string source = "log.parquet") =>
        new()
        {
            Source = source,
            FirstRow = 0,
            Count = users.Length,
            Users = IdColumn.FromStrings(users),
            Items = IdColumn.FromStrings(items),
            Values = values,
            EventTypes = eventTypes,
            TimestampsMicros = timestamps,
        };

    public static InteractionLogInput Log(string source, params InteractionBatch[] batches) =>
        new(source, cancellationToken => Stream(batches, failure: null, cancellationToken)) { ETag = $"\"{source}-etag\"", Size = 1000 };

    /// <summary>A log that yields <paramref name="batches"/> and then turns out to be unusable.</summary>
    public static InteractionLogInput FailingLog(string source, string reason, params InteractionBatch[] batches) =>
        new(source, cancellationToken => Stream(batches, new InvalidInteractionLogException(source, "rating", reason), cancellationToken));

    /// <summary>A log of users × items where user u interacted with each listed item, value 1, time = row number.</summary>
    public static InteractionLogInput Pairs(string source, params (long User, long Item)[] pairs) =>
        Log(source, Numeric(
            pairs.Select(pair => pair.User).ToArray(),
            pairs.Select(pair => pair.Item).ToArray(),
            timestamps: Enumerable.Range(0, pairs.Length).Select(row => (long)row).ToArray(),
            source: source));

    /// <summary>A random log: each of <paramref name="users"/> users rates a random subset of items.</summary>
    public static InteractionLogInput Random(string source, int users, int items, int perUser, int seed)
    {
        var random = new Random(seed);
        var userColumn = new List<long>();
        var itemColumn = new List<long>();
        var times = new List<long>();
        for (int user = 0; user < users; user++)
        {
            foreach (int item in Enumerable.Range(0, items).OrderBy(_ => random.Next()).Take(perUser))
            {
                userColumn.Add(user);
                itemColumn.Add(item);
                times.Add(random.NextInt64(1_000_000, 2_000_000_000));
            }
        }

        return Log(source, Numeric([.. userColumn], [.. itemColumn], values: [.. userColumn.Select(_ => 1f)], timestamps: [.. times], source: source));
    }

    public static PreprocessingOptions Options(Action<PreprocessingOptions>? configure = null)
    {
        var options = new PreprocessingOptions();
        configure?.Invoke(options);
        return options;
    }

    public static Task<PreprocessedDataset> BuildAsync(PreprocessingOptions options, params InteractionLogInput[] logs) =>
        new InteractionPreprocessor().BuildAsync(logs, options, CancellationToken.None);

    public static Task<PreprocessedDataset> BuildAsync(params InteractionLogInput[] logs) => BuildAsync(Options(), logs);

    /// <summary>All interactions of a dataset as (external user, external item, weight, time), ordered.</summary>
    public static List<(string User, string Item, float Weight, long Time)> Rows(PreprocessedDataset prepared)
    {
        var rows = new List<(string, string, float, long)>();
        foreach (var table in new[] { prepared.Dataset.Train, prepared.Dataset.Validation })
        {
            for (int row = 0; row < table.Count; row++)
            {
                rows.Add((prepared.Dataset.UserIds[table.Users[row]], prepared.Dataset.ItemIds[table.Items[row]], table.Weights[row], table.Timestamps[row]));
            }
        }

        rows.Sort();
        return rows;
    }

    public static string Key(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static async IAsyncEnumerable<InteractionBatch> Stream(
        InteractionBatch[] batches, Exception? failure, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (InteractionBatch batch in batches)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await Task.Yield();
            yield return batch;
        }

        if (failure is not null)
        {
            throw failure;
        }
    }
}
