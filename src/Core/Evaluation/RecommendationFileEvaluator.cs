using System.Globalization;
using Parquet;
using Recommender.Core.Scoring;

namespace Recommender.Core.Evaluation;

/// <summary>What evaluating a predictions file against a truth file found.</summary>
/// <param name="Ranking">Top-K metrics over users in both files, at <see cref="RankingMetrics.K"/> capped at the catalog size.</param>
/// <param name="Rating">
/// RMSE/MAE of predicted ratings on the (user, item) pairs the files share, when the truth has ratings, the predictions
/// have predicted ratings (a <c>prediction</c>/<c>predicted_rating</c>/<c>rating</c> column, not a ranking <c>score</c>)
/// and at least one pair is shared; otherwise null, and <see cref="RatingNotShown"/> says why.
/// </param>
/// <param name="TruthUsers">Distinct users in the truth file.</param>
/// <param name="PredictionUsers">Distinct users in the predictions file.</param>
/// <param name="TruthRows">Rows read from the truth file.</param>
/// <param name="PredictionRows">Rows read from the predictions file.</param>
public sealed record RecommendationFileEvaluation(
    RankingMetrics Ranking,
    RatingMetrics? Rating,
    int TruthUsers,
    int PredictionUsers,
    long TruthRows,
    long PredictionRows)
{
    /// <summary>The K asked for; <see cref="RankingMetrics.K"/> is this capped at the catalog size (distinct items of both files).</summary>
    public int RequestedK { get; init; }

    /// <summary>Why <see cref="Rating"/> is null (no ratings in the truth, ranking scores rather than ratings, no shared pair), or null when it is not.</summary>
    public string? RatingNotShown { get; init; }

    /// <summary>How each user's predictions were ordered: "column 'rank'", "column 'score', highest first", or "file order" when the file has neither.</summary>
    public string PredictionOrder { get; init; } = "file order";
}

/// <summary>
/// Scores any system's recommendations against held-out truth, both as Parquet files, so models
/// built elsewhere are measured exactly like ours. Predictions need a user and an item column; each
/// user's list is ordered by <c>rank</c> ascending when present, otherwise by <c>score</c> descending,
/// with ties kept in file order; a repeated (user, item) counts once, at its best position.
/// Catalog coverage is relative to the distinct items of both files. Memory follows the files, not K:
/// K is capped at the catalog size, and lists hold at most the longest list in the predictions.
/// </summary>
public static class RecommendationFileEvaluator
{
    /// <summary>Reads both files and computes the metrics at <paramref name="k"/>.</summary>
    /// <exception cref="InvalidDataException">A file lacks a user or item column, or a column has an unusable type.</exception>
    public static async Task<RecommendationFileEvaluation> EvaluateAsync(
        string truthPath, string predictionsPath, int k, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(truthPath);
        ArgumentException.ThrowIfNullOrEmpty(predictionsPath);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);

        var truth = await TruthFile.ReadAsync(truthPath, cancellationToken).ConfigureAwait(false);
        var predictions = await ReadPredictionsAsync(predictionsPath, cancellationToken).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();

        var users = new Vocabulary();
        var items = new Vocabulary();
        var truthUsers = Encode(truth.UserIds, users);
        var truthItems = Encode(truth.ItemIds, items);
        var predictedUsers = Encode(predictions.UserIds, users);
        var predictedItems = Encode(predictions.ItemIds, items);

        if (!predictedUsers.Intersect(truthUsers).Any())
        {
            throw new InvalidDataException(string.Create(
                CultureInfo.InvariantCulture,
                $"No user of '{predictionsPath}' is in '{truthPath}' ({predictions.UserIds.Distinct(StringComparer.Ordinal).Count():N0} and {truth.UserIds.Distinct(StringComparer.Ordinal).Count():N0} distinct user ids): their user ids do not match, so there is nothing to measure."));
        }

        var relevant = UserItemSets.FromInteractions(
            new Datasets.InteractionTable(truthUsers, truthItems, new float[truthUsers.Length], new long[truthUsers.Length]),
            users.Count,
            items.Count);
        int cappedK = Math.Max(1, Math.Min(k, items.Count));
        var lists = BuildLists(predictions, predictedUsers, predictedItems, users.Count, Math.Min(cappedK, Math.Max(1, LongestList(predictedUsers, users.Count))));
        var ranking = RankingEvaluator.Evaluate(lists, relevant, cappedK);
        RatingMetrics? rating = null;
        string? ratingNotShown;
        if (truth.Ratings is null)
        {
            ratingNotShown = $"{truthPath} has no rating column";
        }
        else if (predictions.Scores is null || !predictions.ScoresAreRatings)
        {
            ratingNotShown = predictions.ScoreColumn is null
                ? $"{predictionsPath} has no predicted ratings"
                : $"column '{predictions.ScoreColumn}' of {predictionsPath} holds ranking scores, not predicted ratings (a column named prediction, predicted_rating or rating is read as ratings)";
        }
        else
        {
            rating = RatingOnSharedPairs(truthUsers, truthItems, truth.Ratings, predictedUsers, predictedItems, predictions.Scores);
            ratingNotShown = rating.Count == 0 ? "no rated (user, item) pair of the truth is in the predictions" : null;
            rating = rating.Count == 0 ? null : rating;
        }

        return new RecommendationFileEvaluation(
            ranking,
            rating,
            truthUsers.Distinct().Count(),
            predictedUsers.Distinct().Count(),
            truth.Count,
            predictions.UserIds.Length)
        {
            RequestedK = k,
            RatingNotShown = ratingNotShown,
            PredictionOrder = predictions.RankColumn is { } rank ? $"column '{rank}'"
                : predictions.ScoreColumn is { } score ? $"column '{score}', highest first"
                : "file order",
        };
    }

    private static int LongestList(int[] users, int userCount)
    {
        var rows = new int[userCount];
        int longest = 0;
        foreach (int user in users)
        {
            longest = Math.Max(longest, ++rows[user]);
        }

        return longest;
    }

    private static RecommendationLists BuildLists(PredictionTable predictions, int[] users, int[] items, int userCount, int k)
    {
        // Order rows by user, then rank (or score descending), then file position: a stable, total order.
        var order = Enumerable.Range(0, users.Length).ToArray();
        double[]? ranks = predictions.Ranks;
        double[]? scores = predictions.Scores;
        Array.Sort(order, (left, right) =>
        {
            int byUser = users[left].CompareTo(users[right]);
            if (byUser != 0)
            {
                return byUser;
            }

            if (ranks is not null)
            {
                int byRank = OrderNaNLast(ranks[left], ranks[right]);
                if (byRank != 0)
                {
                    return byRank;
                }
            }

            if (scores is not null)
            {
                int byScore = OrderNaNLast(-scores[left], -scores[right]);
                if (byScore != 0)
                {
                    return byScore;
                }
            }

            return left.CompareTo(right);
        });

        var lists = new RecommendationLists(0, userCount, k);
        var listItems = new List<int>(k);
        var listScores = new List<float>(k);
        int start = 0;
        while (start < order.Length)
        {
            int user = users[order[start]];
            int end = start;
            listItems.Clear();
            listScores.Clear();
            for (; end < order.Length && users[order[end]] == user; end++)
            {
                int row = order[end];
                if (listItems.Count < k && !listItems.Contains(items[row]))
                {
                    listItems.Add(items[row]);
                    listScores.Add(scores is null ? float.NaN : (float)scores[row]);
                }
            }

            lists.SetRow(user, [.. listItems], [.. listScores]);
            start = end;
        }

        return lists;
    }

    private static RatingMetrics RatingOnSharedPairs(
        int[] truthUsers, int[] truthItems, float[] ratings, int[] predictedUsers, int[] predictedItems, double[] scores)
    {
        var predicted = new Dictionary<(int User, int Item), double>();
        for (int row = 0; row < predictedUsers.Length; row++)
        {
            predicted.TryAdd((predictedUsers[row], predictedItems[row]), scores[row]);
        }

        var actual = new List<float>();
        var estimates = new List<float>();
        for (int row = 0; row < truthUsers.Length; row++)
        {
            if (!float.IsNaN(ratings[row])
                && predicted.TryGetValue((truthUsers[row], truthItems[row]), out double score)
                && !double.IsNaN(score))
            {
                actual.Add(ratings[row]);
                estimates.Add((float)score);
            }
        }

        return RatingEvaluator.Evaluate(actual.ToArray(), estimates.ToArray());
    }

    private static async Task<PredictionTable> ReadPredictionsAsync(string path, CancellationToken cancellationToken)
    {
        var reader = await ParquetReader.CreateAsync(path, cancellationToken: cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        var userField = ParquetColumns.Find(reader.Schema, ParquetColumns.UserNames)
            ?? throw ParquetColumns.MissingColumn(path, "user id", reader.Schema);
        var itemField = ParquetColumns.Find(reader.Schema, ParquetColumns.ItemNames)
            ?? throw ParquetColumns.MissingColumn(path, "item id", reader.Schema);
        var rankField = ParquetColumns.Find(reader.Schema, ParquetColumns.RankNames);
        var scoreField = ParquetColumns.Find(reader.Schema, ParquetColumns.ScoreNames);

        var users = new List<string>();
        var items = new List<string>();
        var ranks = rankField is null ? null : new List<double>();
        var scores = scoreField is null ? null : new List<double>();
        for (int group = 0; group < reader.RowGroupCount; group++)
        {
            var rowGroup = reader.OpenRowGroupReader(group);
            var groupUsers = await ParquetColumns.ReadIdsAsync(rowGroup, userField, cancellationToken).ConfigureAwait(false);
            var groupItems = await ParquetColumns.ReadIdsAsync(rowGroup, itemField, cancellationToken).ConfigureAwait(false);
            var groupRanks = rankField is null ? null : await ParquetColumns.ReadNumbersAsync(rowGroup, rankField, cancellationToken).ConfigureAwait(false);
            var groupScores = scoreField is null ? null : await ParquetColumns.ReadNumbersAsync(rowGroup, scoreField, cancellationToken).ConfigureAwait(false);
            for (int row = 0; row < groupUsers.Length; row++)
            {
                if (groupUsers[row] is not { } user || groupItems[row] is not { } item)
                {
                    continue;
                }

                users.Add(user);
                items.Add(item);
                ranks?.Add(groupRanks![row]);
                scores?.Add(groupScores![row]);
            }
        }

        bool ratings = scoreField is not null && ParquetColumns.Find(reader.Schema, ParquetColumns.PredictedRatingNames)?.Name == scoreField.Name;
        return new PredictionTable([.. users], [.. items], ranks?.ToArray(), scores?.ToArray(), rankField?.Name, scoreField?.Name, ratings);
    }

    private static int[] Encode(string[] ids, Vocabulary vocabulary)
    {
        var encoded = new int[ids.Length];
        for (int row = 0; row < ids.Length; row++)
        {
            encoded[row] = vocabulary.IndexOf(ids[row]);
        }

        return encoded;
    }

    private static int OrderNaNLast(double left, double right) =>
        double.IsNaN(left) ? (double.IsNaN(right) ? 0 : 1) : double.IsNaN(right) ? -1 : left.CompareTo(right);

    private sealed record PredictionTable(string[] UserIds, string[] ItemIds, double[]? Ranks, double[]? Scores, string? RankColumn, string? ScoreColumn, bool ScoresAreRatings);

    /// <summary>Dense indices for external ids, in order of first appearance; ids compare ordinally.</summary>
    private sealed class Vocabulary
    {
        private readonly Dictionary<string, int> _indices = new(StringComparer.Ordinal);

        public int Count => _indices.Count;

        public int IndexOf(string id)
        {
            if (!_indices.TryGetValue(id, out int index))
            {
                index = _indices.Count;
                _indices.Add(id, index);
            }

            return index;
        }
    }
}
