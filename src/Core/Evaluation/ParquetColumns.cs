using System.Globalization;
using Parquet;
using Parquet.Schema;

namespace Recommender.Core.Evaluation;

/// <summary>
/// Reads the columns evaluation needs from Parquet files written by any tool: ids of string or
/// integer type as strings, and numbers of any width as doubles. Columns are found by name among
/// common spellings (<c>user_id</c>, <c>userId</c>, <c>userID</c>, <c>user</c> …), ignoring case and separators.
/// </summary>
internal static class ParquetColumns
{
    public static readonly string[] UserNames = ["userid", "user", "uid", "customerid", "visitorid"];
    public static readonly string[] ItemNames = ["itemid", "item", "iid", "productid", "movieid", "articleid"];
    public static readonly string[] RatingNames = ["rating", "weight", "value", "label"];
    public static readonly string[] ScoreNames = ["score", "prediction", "predictedrating", "rating"];
    public static readonly string[] RankNames = ["rank", "position"];

    /// <summary>Names of a predictions column that holds predicted ratings rather than ranking scores.</summary>
    public static readonly string[] PredictedRatingNames = ["prediction", "predictedrating", "rating"];

    /// <summary>The first top-level column whose normalized name is in <paramref name="names"/> (in that order of preference).</summary>
    public static DataField? Find(ParquetSchema schema, IReadOnlyList<string> names)
    {
        var fields = schema.Fields.OfType<DataField>().Where(field => !field.IsArray).ToArray();
        foreach (string name in names)
        {
            var match = fields.FirstOrDefault(field => string.Equals(Normalize(field.Name), name, StringComparison.Ordinal));
            if (match is not null)
            {
                return match;
            }
        }

        return null;
    }

    /// <summary>Reads an id column (string, or any integer type) as strings; nulls stay null.</summary>
    public static async Task<string?[]> ReadIdsAsync(ParquetRowGroupReader rowGroup, DataField field, CancellationToken cancellationToken)
    {
        int count = checked((int)rowGroup.RowCount);
        if (IsText(field.ClrType))
        {
            var values = new string?[count];
            await rowGroup.ReadAsync(field, values.AsMemory(), null, cancellationToken).ConfigureAwait(false);
            return values;
        }

        if (field.ClrType == typeof(byte[]))
        {
            var bytes = new byte[]?[count];
            await rowGroup.ReadAsync(field, bytes.AsMemory(), null, cancellationToken).ConfigureAwait(false);
            return bytes.Select(value => value is null ? null : System.Text.Encoding.UTF8.GetString(value)).ToArray();
        }

        string? Text<T>(T? value)
            where T : struct, IFormattable => value?.ToString(null, CultureInfo.InvariantCulture);

        var type = field.ClrType;
        if (type == typeof(int))
        {
            return await ReadAsync<int, string?>(rowGroup, field, value => Text(value), cancellationToken).ConfigureAwait(false);
        }

        if (type == typeof(long))
        {
            return await ReadAsync<long, string?>(rowGroup, field, value => Text(value), cancellationToken).ConfigureAwait(false);
        }

        if (type == typeof(short))
        {
            return await ReadAsync<short, string?>(rowGroup, field, value => Text(value), cancellationToken).ConfigureAwait(false);
        }

        if (type == typeof(uint))
        {
            return await ReadAsync<uint, string?>(rowGroup, field, value => Text(value), cancellationToken).ConfigureAwait(false);
        }

        if (type == typeof(ulong))
        {
            return await ReadAsync<ulong, string?>(rowGroup, field, value => Text(value), cancellationToken).ConfigureAwait(false);
        }

        throw new InvalidDataException($"Column '{field.Name}' is {type.Name}; ids must be strings or integers.");
    }

    /// <summary>Reads a numeric column as doubles; nulls become NaN.</summary>
    public static async Task<double[]> ReadNumbersAsync(ParquetRowGroupReader rowGroup, DataField field, CancellationToken cancellationToken)
    {
        var type = field.ClrType;
        if (type == typeof(double))
        {
            return await ReadAsync<double, double>(rowGroup, field, value => value ?? double.NaN, cancellationToken).ConfigureAwait(false);
        }

        if (type == typeof(float))
        {
            return await ReadAsync<float, double>(rowGroup, field, value => value ?? double.NaN, cancellationToken).ConfigureAwait(false);
        }

        if (type == typeof(int))
        {
            return await ReadAsync<int, double>(rowGroup, field, value => value ?? double.NaN, cancellationToken).ConfigureAwait(false);
        }

        if (type == typeof(long))
        {
            return await ReadAsync<long, double>(rowGroup, field, value => value ?? double.NaN, cancellationToken).ConfigureAwait(false);
        }

        if (type == typeof(short))
        {
            return await ReadAsync<short, double>(rowGroup, field, value => value ?? double.NaN, cancellationToken).ConfigureAwait(false);
        }

        if (type == typeof(sbyte))
        {
            return await ReadAsync<sbyte, double>(rowGroup, field, value => value ?? double.NaN, cancellationToken).ConfigureAwait(false);
        }

        if (type == typeof(byte))
        {
            return await ReadAsync<byte, double>(rowGroup, field, value => value ?? double.NaN, cancellationToken).ConfigureAwait(false);
        }

        if (type == typeof(ushort))
        {
            return await ReadAsync<ushort, double>(rowGroup, field, value => value ?? double.NaN, cancellationToken).ConfigureAwait(false);
        }

        if (type == typeof(uint))
        {
            return await ReadAsync<uint, double>(rowGroup, field, value => value ?? double.NaN, cancellationToken).ConfigureAwait(false);
        }

        if (type == typeof(ulong))
        {
            return await ReadAsync<ulong, double>(rowGroup, field, value => value ?? double.NaN, cancellationToken).ConfigureAwait(false);
        }

        if (type == typeof(decimal))
        {
            return await ReadAsync<decimal, double>(rowGroup, field, value => value is { } number ? (double)number : double.NaN, cancellationToken).ConfigureAwait(false);
        }

        throw new InvalidDataException($"Column '{field.Name}' is {type.Name}; expected a number.");
    }

    private static async Task<TResult[]> ReadAsync<T, TResult>(
        ParquetRowGroupReader rowGroup, DataField field, Func<T?, TResult> convert, CancellationToken cancellationToken)
        where T : struct
    {
        int count = checked((int)rowGroup.RowCount);
        var result = new TResult[count];
        if (field.IsNullable)
        {
            var values = new T?[count];
            await rowGroup.ReadAsync(field, values.AsMemory(), null, cancellationToken).ConfigureAwait(false);
            for (int row = 0; row < count; row++)
            {
                result[row] = convert(values[row]);
            }
        }
        else
        {
            var values = new T[count];
            await rowGroup.ReadAsync(field, values.AsMemory(), null, cancellationToken).ConfigureAwait(false);
            for (int row = 0; row < count; row++)
            {
                result[row] = convert(values[row]);
            }
        }

        return result;
    }

    /// <summary>True for columns Parquet.Net reads as text (it reports them as strings or as character memory).</summary>
    public static bool IsText(Type type) => type == typeof(string) || type == typeof(ReadOnlyMemory<char>);

    /// <summary>The error for a file without a required column, listing the columns it has.</summary>
    public static InvalidDataException MissingColumn(string path, string what, ParquetSchema schema) =>
        new($"File '{path}' has no {what} column; its columns are: {string.Join(", ", schema.Fields.Select(field => field.Name))}.");

    private static string Normalize(string name) =>
        new string(name.Where(character => character is not ('_' or '-' or ' ' or '.')).ToArray()).ToLowerInvariant();
}
