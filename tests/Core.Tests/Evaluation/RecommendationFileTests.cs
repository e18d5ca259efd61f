using DuckDB.NET.Data;
using Recommender.Core.Evaluation;
using Recommender.Core.Ingestion;
using Recommender.Core.Lookup;

namespace Recommender.Core.Tests.Evaluation;

public sealed class RecommendationFileTests : IDisposable
{
    private static readonly DateTimeOffset Generated = new(2024, 5, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly string _folder = Path.Combine(Path.GetTempPath(), $"recommendation-files-{Guid.NewGuid():N}");

    public RecommendationFileTests() => Directory.CreateDirectory(_folder);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task WriteAsync_ThenReadAsync_RoundTripsRowsWithOneBasedRanks()
    {
        string path = Path.Combine(_folder, "recommendations.parquet");
        UserRecommendations[] lists =
        [
            new("ünïcode-👤", ["i-1", "i-2"], [0.9f, 0.5f], "v1", Generated),
            new("u2", ["i-3"], [-1.25f], "v1", Generated),
        ];

        long rows = await RecommendationFile.WriteAsync(path, lists);
        var read = await RecommendationFile.ReadAsync(path).ToListAsync();

        Assert.Equal(3, rows);
        Assert.Equal(
            [new RecommendationRow("ünïcode-👤", 1, "i-1", 0.9f), new RecommendationRow("ünïcode-👤", 2, "i-2", 0.5f), new RecommendationRow("u2", 1, "i-3", -1.25f)],
            read);
    }

    [Fact]
    public async Task WriteAsync_Always_WritesTheDocumentedSchema()
    {
        string path = Path.Combine(_folder, "schema.parquet");

        await RecommendationFile.WriteAsync(path, [new UserRecommendations("u", ["i"], [1f], "v", Generated)]);

        Assert.Equal(["user_id VARCHAR", "rank INTEGER", "item_id VARCHAR", "score FLOAT"], DescribeColumns(path));
        Assert.False(File.Exists(path + ".partial"));
    }

    [Theory]
    [InlineData(ExternalIdType.Int32, ExternalIdType.Int64, "INTEGER", "BIGINT")]
    [InlineData(ExternalIdType.Int64, ExternalIdType.Int32, "BIGINT", "INTEGER")]
    [InlineData(ExternalIdType.String, ExternalIdType.Int64, "VARCHAR", "BIGINT")]
    public async Task WriteAsync_IdTypes_WritesIdColumnsInThoseTypesAndReadsThemBackAsText(ExternalIdType user, ExternalIdType item, string userColumn, string itemColumn)
    {
        string path = Path.Combine(_folder, "typed.parquet");
        UserRecommendations[] lists = [new("42", ["7", "-3"], [0.9f, 0.5f], "v1", Generated), new("2147483647", ["1"], [0.1f], "v1", Generated)];

        await RecommendationFile.WriteAsync(path, lists.ToAsyncEnumerable(), new RecommendationIdTypes(user, item));

        Assert.Equal([$"user_id {userColumn}", "rank INTEGER", $"item_id {itemColumn}", "score FLOAT"], DescribeColumns(path));
        Assert.Equal(
            [new RecommendationRow("42", 1, "7", 0.9f), new RecommendationRow("42", 2, "-3", 0.5f), new RecommendationRow("2147483647", 1, "1", 0.1f)],
            await RecommendationFile.ReadAsync(path).ToListAsync());
    }

    [Fact]
    public async Task WriteAsync_Int32ItemColumnAndAnIdThatIsNotOne_ThrowsNamingColumnAndIdAndLeavesNoFile()
    {
        string path = Path.Combine(_folder, "bad.parquet");
        UserRecommendations[] lists = [new("1", ["7", "item-8"], [0.9f, 0.5f], "v1", Generated)];

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => RecommendationFile.WriteAsync(path, lists.ToAsyncEnumerable(), new RecommendationIdTypes(ExternalIdType.Int32, ExternalIdType.Int32)));

        Assert.Contains("item_id", error.Message, StringComparison.Ordinal);
        Assert.Contains("'item-8'", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(path));
        Assert.False(File.Exists(path + ".partial"));
    }

    [Fact]
    public async Task EvaluateAsync_RecommendersReferenceFilesFromAnotherWriter_MatchesTheirPublishedValues()
    {
        // Microsoft Recommenders' evaluation fixture, written by DuckDB with their column names and int64 ids.
        string truth = Path.Combine(_folder, "truth.parquet");
        string predictions = Path.Combine(_folder, "predictions.parquet");
        WriteWithDuckDb(truth, "userID BIGINT, itemID BIGINT, rating DOUBLE", [
            (1, 3, 3), (2, 1, 5), (2, 4, 5), (2, 5, 3), (2, 6, 3), (2, 7, 1), (3, 2, 5), (3, 5, 5), (3, 6, 5),
            (3, 8, 4), (3, 9, 4), (3, 10, 3), (3, 11, 3), (3, 12, 3), (3, 13, 2), (3, 14, 1), (1, 1, 5), (1, 2, 4)]);
        WriteWithDuckDb(predictions, "userID BIGINT, itemID BIGINT, prediction DOUBLE", [
            (1, 12, 12), (2, 10, 14), (2, 3, 13), (2, 5, 12), (2, 11, 11), (2, 13, 10), (3, 4, 14), (3, 10, 13), (3, 7, 12),
            (3, 13, 11), (3, 1, 10), (3, 3, 9), (3, 5, 8), (3, 2, 7), (3, 11, 6), (3, 14, 5), (1, 3, 14), (1, 10, 13)]);

        var result = await RecommendationFileEvaluator.EvaluateAsync(truth, predictions, 10);

        Assert.Equal(3, result.Ranking.UserCount);
        Assert.Equal(0.26666, result.Ranking.Precision, 1e-5);
        Assert.Equal(0.37777, result.Ranking.Recall, 1e-5);
        Assert.Equal(0.38172, result.Ranking.Ndcg, 1e-5);
        Assert.Equal(0.23613, result.Ranking.MapAtK, 1e-5);
        Assert.NotNull(result.Rating);
        Assert.Equal(8, result.Rating.Count);
        Assert.Equal(7.254309, result.Rating.Rmse, 1e-5);
        Assert.Equal(6.375, result.Rating.Mae, 1e-9);
    }

    [Fact]
    public async Task EvaluateAsync_OwnFormatWithRanks_OrdersByRankNotFileOrder()
    {
        string truth = Path.Combine(_folder, "truth.parquet");
        string predictions = Path.Combine(_folder, "predictions.parquet");
        WriteWithDuckDb(truth, "user_id VARCHAR, item_id VARCHAR", [("a", "x"), ("b", "y")]);
        WriteWithDuckDb(predictions, "user_id VARCHAR, rank INTEGER, item_id VARCHAR, score FLOAT", [
            ("a", 2, "x", 0.1f), ("a", 1, "z", 0.2f), ("b", 1, "y", 0.7f), ("c", 1, "x", 0.3f)]);

        var result = await RecommendationFileEvaluator.EvaluateAsync(truth, predictions, 1);

        // User a's rank-1 item is z (a miss); b hits; c has no truth and is not averaged.
        Assert.Equal(2, result.Ranking.UserCount);
        Assert.Equal(0.5, result.Ranking.Precision, 1e-12);
        Assert.Equal(3, result.PredictionUsers);
        Assert.Null(result.Rating);
    }

    [Fact]
    public async Task EvaluateAsync_TiedScoresWithoutRank_KeepFileOrder()
    {
        string truth = Path.Combine(_folder, "truth.parquet");
        string predictions = Path.Combine(_folder, "predictions.parquet");
        WriteWithDuckDb(truth, "user VARCHAR, item VARCHAR", [("u", "second")]);
        WriteWithDuckDb(predictions, "user VARCHAR, item VARCHAR, score DOUBLE", [("u", "first", 1.0), ("u", "second", 1.0), ("u", "low", 0.5)]);

        var result = await RecommendationFileEvaluator.EvaluateAsync(truth, predictions, 2);

        // The tie keeps file order: the hit is at rank 2.
        Assert.Equal(1 / Math.Log2(3), result.Ranking.Ndcg, 1e-12);
        Assert.Equal(0.5, result.Ranking.MapAtK, 1e-12);
    }

    [Fact]
    public async Task EvaluateAsync_PredictionsWithoutRankOrScore_RanksEachUsersRowsInFileOrderAndSaysSo()
    {
        string truth = Path.Combine(_folder, "truth.parquet");
        string predictions = Path.Combine(_folder, "predictions.parquet");
        WriteWithDuckDb(truth, "user_id VARCHAR, item_id VARCHAR", [("u", "second")]);
        WriteWithDuckDb(predictions, "user_id VARCHAR, item_id VARCHAR", [("u", "first"), ("u", "second")]);

        var result = await RecommendationFileEvaluator.EvaluateAsync(truth, predictions, 2);

        Assert.Equal("file order", result.PredictionOrder);
        Assert.Equal(1 / Math.Log2(3), result.Ranking.Ndcg, 1e-12);
    }

    [Fact]
    public async Task EvaluateAsync_PredictionsWithRankAndScore_NamesTheRankColumnAsTheOrder()
    {
        string truth = Path.Combine(_folder, "truth.parquet");
        string predictions = Path.Combine(_folder, "predictions.parquet");
        WriteWithDuckDb(truth, "user_id VARCHAR, item_id VARCHAR", [("u", "x")]);
        WriteWithDuckDb(predictions, "user_id VARCHAR, rank INTEGER, item_id VARCHAR, score FLOAT", [("u", 1, "x", 0.5f)]);

        var result = await RecommendationFileEvaluator.EvaluateAsync(truth, predictions, 1);

        Assert.Equal("column 'rank'", result.PredictionOrder);
    }

    [Fact]
    public async Task EvaluateAsync_NoUserInBothFiles_ThrowsSayingTheIdsDoNotMatch()
    {
        string truth = Path.Combine(_folder, "truth.parquet");
        string predictions = Path.Combine(_folder, "predictions.parquet");
        WriteWithDuckDb(truth, "user_id VARCHAR, item_id VARCHAR", [("u1", "x"), ("u2", "y")]);
        WriteWithDuckDb(predictions, "user_id VARCHAR, rank INTEGER, item_id VARCHAR", [("user-1", 1, "x")]);

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => RecommendationFileEvaluator.EvaluateAsync(truth, predictions, 10));

        Assert.Equal(
            $"No user of '{predictions}' is in '{truth}' (1 and 2 distinct user ids): their user ids do not match, so there is nothing to measure.",
            error.Message);
    }

    [Fact]
    public async Task EvaluateAsync_PredictionsWithoutItemColumn_ThrowsNamingFileAndColumns()
    {
        string truth = Path.Combine(_folder, "truth.parquet");
        string predictions = Path.Combine(_folder, "predictions.parquet");
        WriteWithDuckDb(truth, "user_id VARCHAR, item_id VARCHAR", [("u", "i")]);
        WriteWithDuckDb(predictions, "user_id VARCHAR, thing VARCHAR", [("u", "i")]);

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => RecommendationFileEvaluator.EvaluateAsync(truth, predictions, 10));

        Assert.Contains(predictions, error.Message, StringComparison.Ordinal);
        Assert.Contains("thing", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EvaluateAsync_FileWrittenByRecommendationFile_EvaluatesItsOwnExportWithoutRatingMetrics()
    {
        string truth = Path.Combine(_folder, "truth.parquet");
        string predictions = Path.Combine(_folder, "predictions.parquet");
        WriteWithDuckDb(truth, "user_id VARCHAR, item_id VARCHAR, rating FLOAT", [("u1", "i1", 4f), ("u1", "i9", 5f)]);
        await RecommendationFile.WriteAsync(predictions, [new UserRecommendations("u1", ["i9", "i2", "i1"], [3f, 2f, 1f], "v", Generated)]);

        var result = await RecommendationFileEvaluator.EvaluateAsync(truth, predictions, 3);

        Assert.Equal(2.0 / 3, result.Ranking.Precision, 1e-12);
        Assert.Equal(1.0, result.Ranking.Recall, 1e-12);
        Assert.Null(result.Rating);
        Assert.Contains("ranking scores", result.RatingNotShown, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EvaluateAsync_PredictedRatingsSharingNoPairWithTheTruth_ShowNoRatingMetricsAndSayWhy()
    {
        string truth = Path.Combine(_folder, "truth.parquet");
        string predictions = Path.Combine(_folder, "predictions.parquet");
        WriteWithDuckDb(truth, "user_id VARCHAR, item_id VARCHAR, rating FLOAT", [("u1", "i1", 4f)]);
        WriteWithDuckDb(predictions, "user_id VARCHAR, item_id VARCHAR, prediction FLOAT", [("u1", "i2", 3.5f)]);

        var result = await RecommendationFileEvaluator.EvaluateAsync(truth, predictions, 10);

        Assert.Null(result.Rating);
        Assert.Equal("no rated (user, item) pair of the truth is in the predictions", result.RatingNotShown);
    }

    [Fact]
    public async Task EvaluateAsync_KFarAboveTheCatalog_IsCappedAtTheCatalogSize()
    {
        string truth = Path.Combine(_folder, "truth.parquet");
        string predictions = Path.Combine(_folder, "predictions.parquet");
        WriteWithDuckDb(truth, "user_id VARCHAR, item_id VARCHAR", [("a", "x"), ("b", "y")]);
        WriteWithDuckDb(predictions, "user_id VARCHAR, rank INTEGER, item_id VARCHAR", [("a", 1, "x"), ("a", 2, "z"), ("b", 1, "y")]);

        var result = await RecommendationFileEvaluator.EvaluateAsync(truth, predictions, 1_000_000_000);

        Assert.Equal(3, result.Ranking.K);
        Assert.Equal(1_000_000_000, result.RequestedK);
        Assert.Equal(1.0, result.Ranking.Recall, 1e-12);
    }

    [Fact]
    public async Task TruthFileReadAsync_RowsWithEmptyIds_AreSkippedAndCounted()
    {
        string truth = Path.Combine(_folder, "truth.parquet");
        CopyWithDuckDb("SELECT * FROM (VALUES (1, 10), (NULL, 11), (3, NULL)) t(user_id, item_id)", truth);

        var table = await TruthFile.ReadAsync(truth);

        Assert.Equal(["1"], table.UserIds);
        Assert.Equal(["10"], table.ItemIds);
        Assert.Equal(2, table.SkippedRows);
        Assert.Null(table.Ratings);
    }

    [Theory]
    [InlineData("SELECT 1 AS user_id, 10 AS item_id WHERE false", "has no rows")]
    [InlineData("SELECT * FROM (VALUES (NULL, 11), (3, NULL)) t(user_id, item_id)", "has no row with both a user id and an item id (2 rows lack one)")]
    public async Task TruthFileReadAsync_NoUsableRow_ThrowsNamingTheFile(string query, string reason)
    {
        string truth = Path.Combine(_folder, "empty-truth.parquet");
        CopyWithDuckDb(query, truth);

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => TruthFile.ReadAsync(truth));

        Assert.Equal($"{truth} {reason}", error.Message[..(truth.Length + 1 + reason.Length)]);
    }

    /// <summary>Writes the rows of <paramref name="query"/> to <paramref name="path"/> as Parquet, with DuckDB's writer.</summary>
    private static void CopyWithDuckDb(string query, string path)
    {
        using var connection = new DuckDBConnection("Data Source=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"COPY ({query}) TO '{path}' (FORMAT PARQUET)";
        command.ExecuteNonQuery();
    }

    private static void WriteWithDuckDb<TRow>(string path, string columns, IEnumerable<TRow> rows)
        where TRow : System.Runtime.CompilerServices.ITuple
    {
        var values = rows
            .Select(row => "(" + string.Join(", ", Enumerable.Range(0, row.Length).Select(index => Literal(row[index]))) + ")");
        var names = columns.Split(',').Select(column => column.Trim().Split(' ')[0]);
        var types = columns.Split(',').Select(column => column.Trim().Split(' ')[1]).ToArray();
        var casts = names.Select((name, index) => $"CAST({name} AS {types[index]}) AS {name}");
        CopyWithDuckDb($"SELECT {string.Join(", ", casts)} FROM (VALUES {string.Join(", ", values)}) t({string.Join(", ", names)})", path);
    }

    private static string Literal(object? value) => value switch
    {
        string text => $"'{text.Replace("'", "''", StringComparison.Ordinal)}'",
        float number => number.ToString(System.Globalization.CultureInfo.InvariantCulture),
        double number => number.ToString(System.Globalization.CultureInfo.InvariantCulture),
        int number => number.ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ => throw new ArgumentException($"Unsupported literal {value}"),
    };

    /// <summary>Column names and types as DuckDB, another reader, sees them.</summary>
    private static List<string> DescribeColumns(string path)
    {
        using var connection = new DuckDBConnection("Data Source=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM '{path}')";
        var columns = new List<string>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            columns.Add($"{reader.GetString(0)} {reader.GetString(1)}");
        }

        return columns;
    }
}
