using DuckDB.NET.Data;

namespace Recommender.Core.Tests.TestSupport;

/// <summary>Writes Parquet files with DuckDB, an independent writer, from a SQL query.</summary>
public static class DuckDbParquet
{
    /// <summary>Runs <c>COPY (select) TO path (FORMAT parquet)</c>, optionally with a row group size and other COPY options (<c>COMPRESSION zstd</c>).</summary>
    public static string Write(string path, string select, int? rowGroupSize = null, string? copyOptions = null)
    {
        using var connection = new DuckDBConnection("DataSource=:memory:");
        connection.Open();
        using DuckDBCommand command = connection.CreateCommand();
        string rowGroups = (rowGroupSize is { } size ? $", ROW_GROUP_SIZE {size}" : string.Empty) + (copyOptions is null ? string.Empty : $", {copyOptions}");
        command.CommandText = $"COPY ({select}) TO '{path.Replace("'", "''", StringComparison.Ordinal)}' (FORMAT parquet{rowGroups})";
        command.ExecuteNonQuery();
        return path;
    }
}
