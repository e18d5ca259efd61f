using Parquet;

namespace Recommender.Core.Evaluation;

/// <summary>Held-out interactions read from a file: external user and item ids, and ratings when the file has them.</summary>
/// <param name="UserIds">User id per row.</param>
/// <param name="ItemIds">Item id per row.</param>
/// <param name="Ratings">Rating per row (NaN where empty), or null when the file has no rating column.</param>
/// <param name="SkippedRows">Rows left out because their user or item id was empty.</param>
public sealed record TruthTable(string[] UserIds, string[] ItemIds, float[]? Ratings, long SkippedRows)
{
    /// <summary>Number of rows kept.</summary>
    public int Count => UserIds.Length;
}

/// <summary>
/// Reads held-out truth from Parquet written by any tool: a user id and an item id column (string or
/// integer, found among common names such as <c>user_id</c>/<c>userID</c>/<c>user</c> and
/// <c>item_id</c>/<c>itemID</c>/<c>item</c>), and an optional numeric <c>rating</c> (or <c>weight</c>) column.
/// </summary>
public static class TruthFile
{
    /// <summary>Reads every row of <paramref name="path"/>; rows without a user or item id are skipped and counted.</summary>
    /// <exception cref="InvalidDataException">No user or item column could be found, or one has an unusable type, or no row has both ids.</exception>
    public static async Task<TruthTable> ReadAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var reader = await ParquetReader.CreateAsync(path, cancellationToken: cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        var userField = ParquetColumns.Find(reader.Schema, ParquetColumns.UserNames)
            ?? throw ParquetColumns.MissingColumn(path, "user id", reader.Schema);
        var itemField = ParquetColumns.Find(reader.Schema, ParquetColumns.ItemNames)
            ?? throw ParquetColumns.MissingColumn(path, "item id", reader.Schema);
        var ratingField = ParquetColumns.Find(reader.Schema, ParquetColumns.RatingNames);

        var users = new List<string>();
        var items = new List<string>();
        var ratings = ratingField is null ? null : new List<float>();
        long skipped = 0;
        for (int group = 0; group < reader.RowGroupCount; group++)
        {
            var rowGroup = reader.OpenRowGroupReader(group);
            var groupUsers = await ParquetColumns.ReadIdsAsync(rowGroup, userField, cancellationToken).ConfigureAwait(false);
            var groupItems = await ParquetColumns.ReadIdsAsync(rowGroup, itemField, cancellationToken).ConfigureAwait(false);
            var groupRatings = ratingField is null
                ? null
                : await ParquetColumns.ReadNumbersAsync(rowGroup, ratingField, cancellationToken).ConfigureAwait(false);
            for (int row = 0; row < groupUsers.Length; row++)
            {
                if (groupUsers[row] is not { } user || groupItems[row] is not { } item)
                {
                    skipped++;
                    continue;
                }

                users.Add(user);
                items.Add(item);
                ratings?.Add((float)groupRatings![row]);
            }
        }

        if (users.Count == 0)
        {
            // Metrics over no user would read as a model that recommends nothing right.
            throw new InvalidDataException(skipped == 0
                ? $"{path} has no rows: a truth file needs the held-out interactions to measure against."
                : $"{path} has no row with both a user id and an item id ({skipped} rows lack one).");
        }

        return new TruthTable([.. users], [.. items], ratings?.ToArray(), skipped);
    }
}
