using System.Globalization;
using Recommender.Core.Ingestion;
using Recommender.Core.Preprocessing;
using Recommender.Core.Tests.TestSupport;

namespace Recommender.Core.Tests.Preprocessing;

/// <summary>MovieLens 100K (<c>u.data</c>) as interaction batches.</summary>
internal static class MovieLens100K
{
    /// <summary>u.data, found as <see cref="RepositoryPaths"/> finds it (the calling test is skipped when there is none).</summary>
    public static string FindRatingsFile() => RepositoryPaths.MovieLensRatings;

    /// <summary>u.data (user, item, rating, unix seconds; tab-separated) in batches of <paramref name="batchSize"/> rows.</summary>
    public static List<InteractionBatch> ReadBatches(int batchSize = 20_000)
    {
        const string source = "movielens-100k/u.data";
        string[] lines = File.ReadAllLines(FindRatingsFile());
        var batches = new List<InteractionBatch>();
        for (int first = 0; first < lines.Length; first += batchSize)
        {
            int count = Math.Min(batchSize, lines.Length - first);
            var users = new long[count];
            var items = new long[count];
            var ratings = new float[count];
            var times = new long[count];
            for (int row = 0; row < count; row++)
            {
                string[] fields = lines[first + row].Split('\t');
                users[row] = long.Parse(fields[0], CultureInfo.InvariantCulture);
                items[row] = long.Parse(fields[1], CultureInfo.InvariantCulture);
                ratings[row] = float.Parse(fields[2], CultureInfo.InvariantCulture);
                times[row] = long.Parse(fields[3], CultureInfo.InvariantCulture) * 1_000_000;
            }

            batches.Add(new InteractionBatch
            {
                Source = source,
                FirstRow = first,
                Count = count,
                Users = IdColumn.FromNumbers(users),
                Items = IdColumn.FromNumbers(items),
                Values = ratings,
                TimestampsMicros = times,
            });
        }

        return batches;
    }

    public static InteractionLogInput Log(IReadOnlyList<InteractionBatch> batches) =>
        new("movielens-100k/u.data", _ => batches.ToAsyncEnumerable()) { Size = 1_979_173 };
}
