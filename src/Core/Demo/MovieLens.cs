using System.Globalization;
using Parquet;
using Parquet.Schema;
using Recommender.Core.Ingestion;
using Recommender.Core.Preprocessing;

namespace Recommender.Core.Demo;

/// <summary>
/// MovieLens ratings files (<c>u.data</c>: user, item, rating, unix seconds, tab-separated) turned into
/// a Parquet interaction log, so the published benchmark protocol can be run through the real pipeline.
/// The data itself is not shipped; pass the path of a local copy.
/// </summary>
public static class MovieLens
{
    /// <summary>
    /// The split of the Microsoft Recommenders benchmark: per item, a seeded random 75% of the
    /// interactions train and the rest are held out, with the random numbers drawn in row order as
    /// <c>python_stratified_split</c> draws them (<see cref="SplitDraws.RowOrder"/>).
    /// </summary>
    public static PreprocessingOptions BenchmarkPreprocessing() => new()
    {
        Split = new SplitOptions { Kind = SplitKind.StratifiedPerItem, TrainRatio = 0.75, Seed = 42, Draws = SplitDraws.RowOrder },
    };

    /// <summary>
    /// Columns of the written log as the benchmarks read it, as implicit feedback: every rating is one interaction
    /// and its value that interaction's weight (EASE enters √rating; every held-out rating counts as relevant).
    /// </summary>
    public static ColumnMapping BenchmarkMapping { get; } = new() { ValueColumn = "rating" };

    /// <summary>Schema of the written log: int32 ids, int32 rating, int64 unix seconds.</summary>
    public static ParquetSchema Schema { get; } = new(
        new DataField<int>("user_id"),
        new DataField<int>("item_id"),
        new DataField<int>("rating"),
        new DataField<long>("timestamp"));

    /// <summary>Converts <paramref name="ratingsPath"/> to Parquet at <paramref name="parquetPath"/>; returns the row count.</summary>
    public static async Task<int> ConvertAsync(string ratingsPath, string parquetPath, CancellationToken cancellationToken = default)
    {
        var users = new List<int>();
        var items = new List<int>();
        var ratings = new List<int>();
        var times = new List<long>();
        int lineNumber = 0;
        foreach (string line in File.ReadLines(ratingsPath))
        {
            lineNumber++;
            if (line.Length == 0)
            {
                continue;
            }

            string[] parts = line.Split('\t');
            if (parts.Length < 4
                || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int user)
                || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int item)
                || !int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out int rating)
                || !long.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out long time))
            {
                throw new InvalidDataException($"{ratingsPath}: line {lineNumber} is not 'user<TAB>item<TAB>rating<TAB>timestamp'.");
            }

            users.Add(user);
            items.Add(item);
            ratings.Add(rating);
            times.Add(time);
        }

        string partial = parquetPath + ".partial";
        await using (FileStream output = File.Create(partial))
        {
            await using ParquetWriter writer = await ParquetWriter.CreateAsync(Schema, output, cancellationToken: cancellationToken).ConfigureAwait(false);
            using ParquetRowGroupWriter group = writer.CreateRowGroup();
            var fields = Schema.DataFields;
            await group.WriteAsync<int>(fields[0], users.ToArray(), cancellationToken: cancellationToken).ConfigureAwait(false);
            await group.WriteAsync<int>(fields[1], items.ToArray(), cancellationToken: cancellationToken).ConfigureAwait(false);
            await group.WriteAsync<int>(fields[2], ratings.ToArray(), cancellationToken: cancellationToken).ConfigureAwait(false);
            await group.WriteAsync<long>(fields[3], times.ToArray(), cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        File.Move(partial, parquetPath, overwrite: true);
        return users.Count;
    }
}
