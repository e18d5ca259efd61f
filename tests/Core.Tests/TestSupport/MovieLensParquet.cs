using System.Globalization;
using Parquet;
using Parquet.Schema;

namespace Recommender.Core.Tests.TestSupport;

/// <summary>One MovieLens rating as it is in <c>u.data</c>.</summary>
public readonly record struct MovieLensRating(int User, int Item, int Rating, long UnixSeconds);

/// <summary>
/// MovieLens 100K ratings as a Parquet interaction log (<c>user_id</c> INT32, <c>item_id</c> INT32,
/// <c>rating</c> INT32, <c>timestamp</c> INT64 unix seconds; <see cref="RowsPerGroup"/> rows per row group),
/// written once per test run with Parquet.Net into a temp folder that is removed when the run ends.
/// </summary>
public static class MovieLensParquet
{
    /// <summary>Ratings in MovieLens 100K.</summary>
    public const int RowCount = 100_000;

    /// <summary>Rows per row group in the written file, so readers see several row groups.</summary>
    public const int RowsPerGroup = 25_000;

    private static readonly Lazy<MovieLensRating[]> Ratings = new(ParseRatings);
    private static readonly Lazy<Task<string>> File = new(WriteAsync);

    /// <summary>The ratings in file order.</summary>
    public static IReadOnlyList<MovieLensRating> ReadRatings() => Ratings.Value;

    /// <summary>The path of the Parquet file, written on first use.</summary>
    public static Task<string> GetPathAsync() => File.Value;

    private static MovieLensRating[] ParseRatings()
    {
        var ratings = new List<MovieLensRating>(RowCount);
        foreach (string line in System.IO.File.ReadLines(RepositoryPaths.MovieLensRatings))
        {
            if (line.Length == 0)
            {
                continue;
            }

            string[] parts = line.Split('\t');
            ratings.Add(new MovieLensRating(
                int.Parse(parts[0], CultureInfo.InvariantCulture),
                int.Parse(parts[1], CultureInfo.InvariantCulture),
                int.Parse(parts[2], CultureInfo.InvariantCulture),
                long.Parse(parts[3], CultureInfo.InvariantCulture)));
        }

        return [.. ratings];
    }

    private static async Task<string> WriteAsync()
    {
        string folder = Path.Combine(Path.GetTempPath(), "recommender-tests", $"movielens-{Environment.ProcessId}");
        Directory.CreateDirectory(folder);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => TryDelete(folder);

        string path = Path.Combine(folder, "movielens-100k.parquet");
        string partial = path + ".partial";
        MovieLensRating[] ratings = Ratings.Value;

        var user = new DataField<int>("user_id");
        var item = new DataField<int>("item_id");
        var rating = new DataField<int>("rating");
        var timestamp = new DataField<long>("timestamp");
        await using (FileStream stream = System.IO.File.Create(partial))
        {
            await using ParquetWriter writer = await ParquetWriter.CreateAsync(new ParquetSchema(user, item, rating, timestamp), stream, null, false, default);
            for (int start = 0; start < ratings.Length; start += RowsPerGroup)
            {
                MovieLensRating[] group = ratings[start..Math.Min(start + RowsPerGroup, ratings.Length)];
                using ParquetRowGroupWriter rowGroup = writer.CreateRowGroup();
                await rowGroup.WriteAsync<int>(user, group.Select(r => r.User).ToArray(), null, null, default);
                await rowGroup.WriteAsync<int>(item, group.Select(r => r.Item).ToArray(), null, null, default);
                await rowGroup.WriteAsync<int>(rating, group.Select(r => r.Rating).ToArray(), null, null, default);
                await rowGroup.WriteAsync<long>(timestamp, group.Select(r => r.UnixSeconds).ToArray(), null, null, default);
            }
        }

        System.IO.File.Move(partial, path, overwrite: true);
        return path;
    }

    private static void TryDelete(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
