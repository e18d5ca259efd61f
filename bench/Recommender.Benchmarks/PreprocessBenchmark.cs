using System.Diagnostics;
using DuckDB.NET.Data;
using Recommender.Core.Demo;
using Recommender.Core.Ingestion;
using Recommender.Core.Pipeline;
using Recommender.Core.Preprocessing;
using Recommender.Core.Storage;

namespace Recommender.Benchmarks;

/// <summary>
/// Preprocessing of a generated log (string user ids, int item ids, event types, timestamps,
/// duplicates and null ids) by our pipeline step and by DuckDB doing the same work on the same
/// file: drop null ids, weight events, combine duplicates, encode ids densely, split 75/25 per
/// item, write the train and validation Parquet files.
/// </summary>
internal static class PreprocessBenchmark
{
    public static async Task<IReadOnlyList<Measurement>> RunAsync(string workFolder, int rows)
    {
        string log = await GenerateLogAsync(workFolder, rows).ConfigureAwait(false);
        Measurement ours = ChildProcess.Run("preprocess-ours", log, Path.Combine(workFolder, "ours"));
        Measurement parquetNet = ChildProcess.Run("preprocess-parquet-net", log, Path.Combine(workFolder, "parquet-net"));
        Measurement duck = ChildProcess.Run("preprocess-duckdb", log, Path.Combine(workFolder, "duckdb"));
        return [ours, parquetNet, duck];
    }

    /// <summary>
    /// The generated log of <paramref name="rows"/> rows (string user ids, int item ids, timestamps,
    /// event types, 5% duplicates, some missing users), written once and reused.
    /// </summary>
    public static async Task<string> GenerateLogAsync(string workFolder, int rows)
    {
        string log = Path.Combine(workFolder, $"log-{rows}.parquet");
        if (!File.Exists(log))
        {
            SyntheticLogOptions options = LogOptions(rows);
            Console.Error.WriteLine($"generating {log} ...");
            await using FileStream output = File.Create(log + ".tmp");
            await SyntheticInteractionLog.WriteAsync(output, options).ConfigureAwait(false);
            await output.DisposeAsync().ConfigureAwait(false);
            File.Move(log + ".tmp", log);
        }

        return log;
    }

    /// <summary>
    /// The shape of the generated logs: about <paramref name="rows"/> rows from rows/25 users with 3
    /// or more interactions each, 50 taste clusters, 5% duplicate rows, 0.1% rows without a user, and
    /// a catalog of a quarter as many items as users unless <paramref name="items"/> says otherwise.
    /// </summary>
    public static SyntheticLogOptions LogOptions(int rows, int? items = null)
    {
        int users = Math.Max(1_000, rows / 25);
        return new SyntheticLogOptions
        {
            Users = users,
            Items = items ?? Math.Max(1_000, users / 4),
            Clusters = 50,
            MeanPerUser = 24,
            MinPerUser = 3,
            DuplicateShare = 0.05,
            MissingUserShare = 0.001,
            RowGroupSize = 1_000_000,
        };
    }

    /// <summary>What both contenders do to the generated log: event weights, summed duplicates, a per-item 75/25 split.</summary>
    public static PreprocessingOptions Options(FeedbackKind feedback = FeedbackKind.Implicit) => new()
    {
        Feedback = feedback,
        EventWeights = new(StringComparer.OrdinalIgnoreCase) { ["view"] = 1, ["click"] = 2, ["purchase"] = 5 },
        Duplicates = DuplicatePolicy.Sum,
        Split = new SplitOptions { Kind = SplitKind.StratifiedPerItem, TrainRatio = 0.75, Seed = 42 },
    };

    /// <summary>Our preprocessing step; with <paramref name="parquetNetOnly"/>, every column chunk is read by Parquet.Net alone.</summary>
    public static async Task<int> OursAsync(string log, string output, bool parquetNetOnly = false)
    {
        if (Directory.Exists(output))
        {
            Directory.Delete(output, recursive: true);
        }

        PreprocessingOptions options = Options();
        using IDisposable? reader = parquetNetOnly ? ColumnChunkReader.ParquetNetOnly() : null;
        var stopwatch = Stopwatch.StartNew();
        PreprocessingResult result = await new PreprocessStep().RunAsync(
            new LocalFileLogSource([log]), ColumnMapping.AutoDetect, options, new LocalArtifactStore(output)).ConfigureAwait(false);
        double seconds = stopwatch.Elapsed.TotalSeconds;
        return ChildProcess.Report(new Measurement("preprocess", parquetNetOnly ? "recommender (Parquet.Net only)" : "recommender", seconds, 0, new Dictionary<string, double>
        {
            ["rows"] = result.RowsRead,
            ["rowsPerSecond"] = result.RowsRead / seconds,
            ["users"] = result.Users,
            ["items"] = result.Items,
            ["interactions"] = result.Interactions,
            ["train"] = result.TrainInteractions,
        }));
    }

    public static int DuckDb(string log, string output)
    {
        if (Directory.Exists(output))
        {
            Directory.Delete(output, recursive: true);
        }

        Directory.CreateDirectory(output);
        var stopwatch = Stopwatch.StartNew();
        using var connection = new DuckDBConnection("DataSource=:memory:");
        connection.Open();
        string file = log.Replace("'", "''", StringComparison.Ordinal);
        string dir = output.Replace("'", "''", StringComparison.Ordinal);
        Execute(connection, "SET threads TO 2");
        Execute(connection, "SET preserve_insertion_order = false");
        long rows = Scalar(connection, $"SELECT count(*) FROM read_parquet('{file}')");
        Execute(connection, $"""
            CREATE TEMP TABLE combined AS
            SELECT user_id, item_id,
                   SUM(CASE event_type WHEN 'view' THEN 1 WHEN 'click' THEN 2 WHEN 'purchase' THEN 5 ELSE 1 END)::FLOAT AS weight,
                   MAX(epoch_us("timestamp")) AS ts
            FROM read_parquet('{file}')
            WHERE user_id IS NOT NULL AND item_id IS NOT NULL
            GROUP BY user_id, item_id
            """);
        Execute(connection, "CREATE TEMP TABLE users AS SELECT user_id, (row_number() OVER (ORDER BY user_id) - 1)::INT AS idx FROM (SELECT DISTINCT user_id FROM combined)");
        Execute(connection, "CREATE TEMP TABLE items AS SELECT item_id, (row_number() OVER (ORDER BY item_id) - 1)::INT AS idx FROM (SELECT DISTINCT item_id FROM combined)");
        Execute(connection, """
            CREATE TEMP TABLE ranked AS
            SELECT u.idx AS "user", i.idx AS item, c.weight, c.ts,
                   row_number() OVER (PARTITION BY i.idx ORDER BY random()) / count(*) OVER (PARTITION BY i.idx) AS r
            FROM combined c JOIN users u USING (user_id) JOIN items i USING (item_id)
            """);
        Execute(connection, $"COPY (SELECT idx, user_id FROM users) TO '{dir}/users.parquet' (FORMAT parquet)");
        Execute(connection, $"COPY (SELECT idx, item_id FROM items) TO '{dir}/items.parquet' (FORMAT parquet)");
        Execute(connection, $"COPY (SELECT \"user\", item, weight, ts FROM ranked WHERE r <= 0.75) TO '{dir}/train.parquet' (FORMAT parquet)");
        Execute(connection, $"COPY (SELECT \"user\", item, weight, ts FROM ranked WHERE r > 0.75) TO '{dir}/validation.parquet' (FORMAT parquet)");
        long interactions = Scalar(connection, "SELECT count(*) FROM combined");
        double seconds = stopwatch.Elapsed.TotalSeconds;
        return ChildProcess.Report(new Measurement("preprocess", "duckdb", seconds, 0, new Dictionary<string, double>
        {
            ["rows"] = rows,
            ["rowsPerSecond"] = rows / seconds,
            ["interactions"] = interactions,
        }));
    }

    private static void Execute(DuckDBConnection connection, string sql)
    {
        using DuckDBCommand command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static long Scalar(DuckDBConnection connection, string sql)
    {
        using DuckDBCommand command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
