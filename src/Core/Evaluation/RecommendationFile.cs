using System.Runtime.CompilerServices;
using Parquet;
using Parquet.Schema;
using Recommender.Core.Lookup;

namespace Recommender.Core.Evaluation;

/// <summary>One row of a recommendation file: a user's item at a 1-based rank, with its score.</summary>
public sealed record RecommendationRow(string UserId, int Rank, string ItemId, float Score);

/// <summary>
/// Top-K lists as Parquet, one row per (user, rank): <c>user_id</c> string, <c>rank</c> int32 (1 = best),
/// <c>item_id</c> string, <c>score</c> float. The export format of the lookup table and the predictions
/// format <see cref="RecommendationFileEvaluator"/> reads (it also accepts other systems' column names).
/// </summary>
public static class RecommendationFile
{
    /// <summary>Column of the external user id.</summary>
    public const string UserIdColumn = "user_id";

    /// <summary>Column of the 1-based rank within the user's list.</summary>
    public const string RankColumn = "rank";

    /// <summary>Column of the external item id.</summary>
    public const string ItemIdColumn = "item_id";

    /// <summary>Column of the model score.</summary>
    public const string ScoreColumn = "score";

    /// <summary>Rows per Parquet row group; bounds the writer's memory.</summary>
    internal const int RowGroupSize = 250_000;

    private static readonly DataField<string> UserIdField = new(UserIdColumn, nullable: false);
    private static readonly DataField<int> RankField = new(RankColumn, nullable: false);
    private static readonly DataField<string> ItemIdField = new(ItemIdColumn, nullable: false);
    private static readonly DataField<float> ScoreField = new(ScoreColumn, nullable: false);
    private static readonly ParquetSchema Schema = new(UserIdField, RankField, ItemIdField, ScoreField);

    /// <summary>
    /// Writes every list to <paramref name="path"/>. The file appears complete or not at all: it is
    /// written beside the target and moved into place when done.
    /// </summary>
    public static async Task<long> WriteAsync(string path, IAsyncEnumerable<UserRecommendations> lists, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(lists);
        string? folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is not null)
        {
            Directory.CreateDirectory(folder);
        }

        string partial = path + ".partial";
        long rows;
        try
        {
            await using (var stream = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
            {
                rows = await WriteAsync(stream, lists, cancellationToken).ConfigureAwait(false);
            }

            File.Move(partial, path, overwrite: true);
        }
        catch
        {
            File.Delete(partial);
            throw;
        }

        return rows;
    }

    /// <summary>Writes every list to <paramref name="path"/> (see the asynchronous overload).</summary>
    public static Task<long> WriteAsync(string path, IEnumerable<UserRecommendations> lists, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lists);
        return WriteAsync(path, ToAsync(lists), cancellationToken);
    }

    /// <summary>Writes every list to a seekable <paramref name="output"/> stream and returns the number of rows.</summary>
    public static async Task<long> WriteAsync(Stream output, IAsyncEnumerable<UserRecommendations> lists, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(lists);
        var users = new List<string>();
        var ranks = new List<int>();
        var items = new List<string>();
        var scores = new List<float>();
        long rows = 0;
        await using var writer = await ParquetWriter.CreateAsync(Schema, output, cancellationToken: cancellationToken).ConfigureAwait(false);
        await foreach (var list in lists.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            if (list.ItemIds.Count != list.Scores.Count)
            {
                throw new ArgumentException($"User '{list.UserId}' has {list.ItemIds.Count} items but {list.Scores.Count} scores.", nameof(lists));
            }

            for (int index = 0; index < list.ItemIds.Count; index++)
            {
                users.Add(list.UserId);
                ranks.Add(index + 1);
                items.Add(list.ItemIds[index]);
                scores.Add(list.Scores[index]);
            }

            if (users.Count >= RowGroupSize)
            {
                rows += await FlushAsync(writer, users, ranks, items, scores, cancellationToken).ConfigureAwait(false);
            }
        }

        if (users.Count > 0 || rows == 0)
        {
            rows += await FlushAsync(writer, users, ranks, items, scores, cancellationToken).ConfigureAwait(false);
        }

        return rows;
    }

    /// <summary>Reads the rows of a file written by <see cref="WriteAsync(string, IAsyncEnumerable{UserRecommendations}, CancellationToken)"/>, in file order.</summary>
    /// <exception cref="InvalidDataException">The file lacks one of the four columns or has them with other types.</exception>
    public static async IAsyncEnumerable<RecommendationRow> ReadAsync(string path, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var reader = await ParquetReader.CreateAsync(path, cancellationToken: cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        var userField = RequireField(reader.Schema, UserIdColumn, typeof(string), path);
        var rankField = RequireField(reader.Schema, RankColumn, typeof(int), path);
        var itemField = RequireField(reader.Schema, ItemIdColumn, typeof(string), path);
        var scoreField = RequireField(reader.Schema, ScoreColumn, typeof(float), path);
        for (int group = 0; group < reader.RowGroupCount; group++)
        {
            var rowGroup = reader.OpenRowGroupReader(group);
            int count = checked((int)rowGroup.RowCount);
            var users = new string?[count];
            var items = new string?[count];
            await rowGroup.ReadAsync(userField, users.AsMemory(), null, cancellationToken).ConfigureAwait(false);
            await rowGroup.ReadAsync(itemField, items.AsMemory(), null, cancellationToken).ConfigureAwait(false);
            var ranks = await ParquetColumns.ReadNumbersAsync(rowGroup, rankField, cancellationToken).ConfigureAwait(false);
            var scores = await ParquetColumns.ReadNumbersAsync(rowGroup, scoreField, cancellationToken).ConfigureAwait(false);
            for (int row = 0; row < count; row++)
            {
                if (users[row] is null || items[row] is null || double.IsNaN(ranks[row]))
                {
                    throw new InvalidDataException($"Recommendation file '{path}' has an empty user_id, item_id or rank in row group {group}, row {row}.");
                }

                yield return new RecommendationRow(users[row]!, (int)ranks[row], items[row]!, (float)scores[row]);
            }
        }
    }

    private static async Task<long> FlushAsync(
        ParquetWriter writer, List<string> users, List<int> ranks, List<string> items, List<float> scores, CancellationToken cancellationToken)
    {
        using (var rowGroup = writer.CreateRowGroup())
        {
            await rowGroup.WriteAsync(UserIdField, users, null).ConfigureAwait(false);
            await rowGroup.WriteAsync<int>(RankField, ranks.ToArray(), null, null, cancellationToken).ConfigureAwait(false);
            await rowGroup.WriteAsync(ItemIdField, items, null).ConfigureAwait(false);
            await rowGroup.WriteAsync<float>(ScoreField, scores.ToArray(), null, null, cancellationToken).ConfigureAwait(false);
            rowGroup.CompleteValidate();
        }

        long written = users.Count;
        users.Clear();
        ranks.Clear();
        items.Clear();
        scores.Clear();
        return written;
    }

    private static DataField RequireField(ParquetSchema schema, string name, Type type, string path)
    {
        var field = schema.DataFields.FirstOrDefault(candidate => string.Equals(candidate.Name, name, StringComparison.Ordinal));
        if (field is null || field.IsArray)
        {
            throw new InvalidDataException($"Recommendation file '{path}' has no column '{name}'.");
        }

        if (type == typeof(string) ? !ParquetColumns.IsText(field.ClrType) : field.ClrType != type)
        {
            throw new InvalidDataException($"Column '{name}' of recommendation file '{path}' is {field.ClrType.Name}; expected {type.Name}.");
        }

        return field;
    }

    private static async IAsyncEnumerable<T> ToAsync<T>(IEnumerable<T> items)
    {
        foreach (var item in items)
        {
            yield return item;
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }
}
