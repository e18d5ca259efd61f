using Parquet;
using Parquet.Schema;

namespace Recommender.Core.Tests.Ingestion;

/// <summary>Writes small single-row-group logs with Parquet.Net, one array per column.</summary>
internal static class ParquetNetLog
{
    public static async Task<string> WriteAsync(string path, params (DataField Field, Array Values)[] columns)
    {
        await using FileStream stream = File.Create(path);
        await using ParquetWriter writer = await ParquetWriter.CreateAsync(
            new ParquetSchema(columns.Select(column => (Field)column.Field)), stream, null, false, default);
        using ParquetRowGroupWriter rowGroup = writer.CreateRowGroup();
        foreach ((DataField field, Array values) in columns)
        {
            await (values switch
            {
                string[] text => rowGroup.WriteAsync(field, text, null),
                byte[][] bytes => rowGroup.WriteAsync(field, bytes, null),
                int[] numbers => rowGroup.WriteAsync<int>(field, numbers, null, null, default),
                int?[] numbers => rowGroup.WriteAsync<int>(field, numbers, null, null, default),
                long[] numbers => rowGroup.WriteAsync<long>(field, numbers, null, null, default),
                long?[] numbers => rowGroup.WriteAsync<long>(field, numbers, null, null, default),
                float[] numbers => rowGroup.WriteAsync<float>(field, numbers, null, null, default),
                double[] numbers => rowGroup.WriteAsync<double>(field, numbers, null, null, default),
                bool[] flags => rowGroup.WriteAsync<bool>(field, flags, null, null, default),
                DateTime[] times => rowGroup.WriteAsync<DateTime>(field, times, null, null, default),
                _ => throw new ArgumentException($"No writer for {values.GetType()}", nameof(columns)),
            });
        }

        return path;
    }
}
