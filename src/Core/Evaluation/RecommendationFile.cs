using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;
using Parquet;
using Parquet.Schema;
using Recommender.Core.Ingestion;
using Recommender.Core.Lookup;

namespace Recommender.Core.Evaluation;

/// <summary>One row of a recommendation file: a user's item at a 1-based rank, with its score.</summary>
public sealed record RecommendationRow(string UserId, int Rank, string ItemId, float Score);

/// <summary>The Parquet types of the id columns of a recommendation file.</summary>
/// <param name="User">Type of <c>user_id</c>.</param>
/// <param name="Item">Type of <c>item_id</c>.</param>
public sealed record RecommendationIdTypes(ExternalIdType User, ExternalIdType Item)
{
    /// <summary>Both ids as text.</summary>
    public static RecommendationIdTypes Text { get; } = new(ExternalIdType.String, ExternalIdType.String);
}

/// <summary>
/// Top-K lists as Parquet, one row per (user, rank): <c>user_id</c>, <c>rank</c> int32 (1 = best),
/// <c>item_id</c>, <c>score</c> float. Ids are strings, or int32/int64 when the input logs had integer
/// ids (<see cref="RecommendationIdTypes"/>). The export format of the lookup table and the predictions
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

    /// <summary>
    /// Writes every list to <paramref name="path"/> with text ids. The file appears complete or not at all: it is
    /// written beside the target and moved into place when done.
    /// </summary>
    public static Task<long> WriteAsync(string path, IAsyncEnumerable<UserRecommendations> lists, CancellationToken cancellationToken = default) =>
        WriteAsync(path, lists, RecommendationIdTypes.Text, cancellationToken);

    /// <summary>
    /// Writes every list to <paramref name="path"/> with ids of <paramref name="idTypes"/>. The file appears
    /// complete or not at all: it is written beside the target and moved into place when done.
    /// </summary>
    /// <exception cref="InvalidDataException">An id is not an integer of the type its column has.</exception>
    public static async Task<long> WriteAsync(string path, IAsyncEnumerable<UserRecommendations> lists, RecommendationIdTypes idTypes, CancellationToken cancellationToken = default)
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
                rows = await WriteAsync(stream, lists, idTypes, cancellationToken).ConfigureAwait(false);
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

    /// <summary>Writes every list with text ids to a seekable <paramref name="output"/> stream and returns the number of rows.</summary>
    public static Task<long> WriteAsync(Stream output, IAsyncEnumerable<UserRecommendations> lists, CancellationToken cancellationToken = default) =>
        WriteAsync(output, lists, RecommendationIdTypes.Text, cancellationToken);

    /// <summary>Writes every list with ids of <paramref name="idTypes"/> to a seekable <paramref name="output"/> stream and returns the number of rows.</summary>
    public static async Task<long> WriteAsync(Stream output, IAsyncEnumerable<UserRecommendations> lists, RecommendationIdTypes idTypes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(lists);
        ArgumentNullException.ThrowIfNull(idTypes);
        var columns = new FileColumns(IdField(UserIdColumn, idTypes.User), IdField(ItemIdColumn, idTypes.Item));
        var users = new List<string>();
        var ranks = new List<int>();
        var items = new List<string>();
        var scores = new List<float>();
        long rows = 0;
        await using var writer = await ParquetWriter.CreateAsync(columns.Schema, output, cancellationToken: cancellationToken).ConfigureAwait(false);
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
                rows += await FlushAsync(writer, columns, users, ranks, items, scores, cancellationToken).ConfigureAwait(false);
            }
        }

        if (users.Count > 0 || rows == 0)
        {
            rows += await FlushAsync(writer, columns, users, ranks, items, scores, cancellationToken).ConfigureAwait(false);
        }

        return rows;
    }

    /// <summary>Reads the rows of a file written by <see cref="WriteAsync(string, IAsyncEnumerable{UserRecommendations}, CancellationToken)"/>, in file order.</summary>
    /// <remarks>Ids are returned as text whether the file stores them as strings or integers.</remarks>
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
            string?[] users = await ParquetColumns.ReadIdsAsync(rowGroup, userField, cancellationToken).ConfigureAwait(false);
            string?[] items = await ParquetColumns.ReadIdsAsync(rowGroup, itemField, cancellationToken).ConfigureAwait(false);
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
        ParquetWriter writer, FileColumns columns, List<string> users, List<int> ranks, List<string> items, List<float> scores, CancellationToken cancellationToken)
    {
        using (var rowGroup = writer.CreateRowGroup())
        {
            await WriteIdsAsync(rowGroup, columns.User, users, cancellationToken).ConfigureAwait(false);
            await rowGroup.WriteAsync<int>(columns.Rank, ranks.ToArray(), null, null, cancellationToken).ConfigureAwait(false);
            await WriteIdsAsync(rowGroup, columns.Item, items, cancellationToken).ConfigureAwait(false);
            await rowGroup.WriteAsync<float>(columns.Score, scores.ToArray(), null, null, cancellationToken).ConfigureAwait(false);
            rowGroup.CompleteValidate();
        }

        long written = users.Count;
        users.Clear();
        ranks.Clear();
        items.Clear();
        scores.Clear();
        return written;
    }

    private static DataField IdField(string name, ExternalIdType type) => type switch
    {
        ExternalIdType.Int32 => new DataField<int>(name, nullable: false),
        ExternalIdType.Int64 => new DataField<long>(name, nullable: false),
        _ => new DataField<string>(name, nullable: false),
    };

    private static async Task WriteIdsAsync(ParquetRowGroupWriter rowGroup, DataField field, List<string> ids, CancellationToken cancellationToken)
    {
        if (field.ClrType == typeof(int))
        {
            await rowGroup.WriteAsync<int>(field, ParseIds<int>(field, ids), null, null, cancellationToken).ConfigureAwait(false);
        }
        else if (field.ClrType == typeof(long))
        {
            await rowGroup.WriteAsync<long>(field, ParseIds<long>(field, ids), null, null, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await rowGroup.WriteAsync(field, ids, null).ConfigureAwait(false);
        }
    }

    private static T[] ParseIds<T>(DataField field, List<string> ids)
        where T : struct, IBinaryInteger<T>
    {
        var values = new T[ids.Count];
        for (int i = 0; i < values.Length; i++)
        {
            if (!T.TryParse(ids[i], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out values[i]))
            {
                throw new InvalidDataException($"Column '{field.Name}' holds {typeof(T).Name} ids, as the input logs did, but '{ids[i]}' is not one.");
            }
        }

        return values;
    }

    private static DataField RequireField(ParquetSchema schema, string name, Type type, string path)
    {
        var field = schema.DataFields.FirstOrDefault(candidate => string.Equals(candidate.Name, name, StringComparison.Ordinal));
        if (field is null || field.IsArray)
        {
            throw new InvalidDataException($"Recommendation file '{path}' has no column '{name}'.");
        }

        bool fits = type == typeof(string)
            ? ParquetColumns.IsText(field.ClrType) || field.ClrType == typeof(int) || field.ClrType == typeof(long)
            : field.ClrType == type;
        if (!fits)
        {
            string expected = type == typeof(string) ? "String, Int32 or Int64" : type.Name;
            throw new InvalidDataException($"Column '{name}' of recommendation file '{path}' is {field.ClrType.Name}; expected {expected}.");
        }

        return field;
    }

    /// <summary>The four columns of one file, the id columns typed as its ids are.</summary>
    private sealed class FileColumns
    {
        public FileColumns(DataField user, DataField item)
        {
            User = user;
            Item = item;
            Schema = new ParquetSchema(User, Rank, Item, Score);
        }

        public DataField User { get; }

        public DataField Rank { get; } = new DataField<int>(RankColumn, nullable: false);

        public DataField Item { get; }

        public DataField Score { get; } = new DataField<float>(ScoreColumn, nullable: false);

        public ParquetSchema Schema { get; }
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
