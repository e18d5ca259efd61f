using Parquet;
using Recommender.Core.Ingestion;

namespace Recommender.Cli;

/// <summary>
/// A column named with <c>--user-column</c> and the like must exist: checked against the logs' schemas (their
/// footers only) before any work, so a typo fails at once with the option and the columns there are. A column
/// that some logs have and others lack is left to preprocessing, which rejects those logs and says why.
/// </summary>
internal static class ColumnOptionCheck
{
    public static async Task EnsureNamedColumnsExistAsync(IReadOnlyList<string> files, ColumnMapping mapping, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(mapping);
        (string Option, string? Column)[] named =
        [
            ("--user-column", mapping.UserColumn),
            ("--item-column", mapping.ItemColumn),
            ("--value-column", mapping.ValueColumn),
            ("--event-column", mapping.EventTypeColumn),
            ("--time-column", mapping.TimestampColumn),
        ];
        if (named.All(option => string.IsNullOrEmpty(option.Column)))
        {
            return;
        }

        var schemas = new List<(string File, string[] Columns)>();
        foreach (string file in files)
        {
            if (await ColumnsOfAsync(file, cancellationToken).ConfigureAwait(false) is { } columns)
            {
                schemas.Add((file, columns));
            }
        }

        if (schemas.Count == 0)
        {
            return;
        }

        foreach ((string option, string? column) in named)
        {
            if (string.IsNullOrEmpty(column))
            {
                continue;
            }

            bool found = schemas.Any(schema => schema.Columns.Any(name => string.Equals(name, column, StringComparison.OrdinalIgnoreCase)));
            if (!found)
            {
                (string file, string[] columns) = schemas[0];
                string where = schemas.Count == 1 ? file : $"any of the {schemas.Count} logs (e.g. {file})";
                throw new ArgumentException($"{option} '{column}' names no column of {where}; its columns: {string.Join(", ", columns)}.");
            }
        }
    }

    /// <summary>Top-level column names of a Parquet file, or null when it cannot be read as one (preprocessing reports that).</summary>
    private static async Task<string[]?> ColumnsOfAsync(string file, CancellationToken cancellationToken)
    {
        try
        {
            FileStream stream = File.OpenRead(file);
            await using (stream.ConfigureAwait(false))
            {
                ParquetReader reader = await ParquetReader.CreateAsync(stream, cancellationToken: cancellationToken).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    return [.. reader.Schema.Fields.Select(field => field.Name)];
                }
            }
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or NotSupportedException or ArgumentException or InvalidOperationException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
