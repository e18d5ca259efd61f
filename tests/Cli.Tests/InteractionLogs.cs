using Parquet;
using Parquet.Schema;

namespace Recommender.Cli.Tests;

/// <summary>Small Parquet interaction logs for tests, written with Parquet.Net.</summary>
public static class InteractionLogs
{
    /// <summary>
    /// A log with integer user and item ids where each user interacts with items of its own taste cluster, so a model
    /// learns something: <paramref name="users"/> users, 100 items in 5 clusters, 15 interactions per user, seeded.
    /// </summary>
    public static Task WriteClusteredAsync(string path, int users, int firstUserId = 1, int seed = 7)
    {
        var random = new Random(seed);
        var userIds = new List<int>();
        var itemIds = new List<int>();
        for (int user = 0; user < users; user++)
        {
            int cluster = user % 5;
            foreach (int item in Enumerable.Range(0, 20).Select(i => (i * 5) + cluster).OrderBy(_ => random.Next()).Take(15))
            {
                userIds.Add(firstUserId + user);
                itemIds.Add(item);
            }
        }

        return WriteAsync(path, ("user_id", userIds.ToArray()), ("item_id", itemIds.ToArray()));
    }

    /// <summary>A log of integer user_id and item_id columns and a FLOAT rating column.</summary>
    public static async Task WriteRatedAsync(string path, int[] users, int[] items, float[] ratings)
    {
        var user = new DataField<int>("user_id");
        var item = new DataField<int>("item_id");
        var rating = new DataField<float>("rating");
        await using FileStream stream = File.Create(path);
        await using ParquetWriter writer = await ParquetWriter.CreateAsync(new ParquetSchema(user, item, rating), stream, null, false, default);
        using ParquetRowGroupWriter rowGroup = writer.CreateRowGroup();
        await rowGroup.WriteAsync<int>(user, users, null, null, default);
        await rowGroup.WriteAsync<int>(item, items, null, null, default);
        await rowGroup.WriteAsync<float>(rating, ratings, null, null, default);
    }

    /// <summary>A log of integer columns with the given names.</summary>
    public static async Task WriteAsync(string path, params (string Name, int[] Values)[] columns)
    {
        DataField<int>[] fields = [.. columns.Select(column => new DataField<int>(column.Name))];
        await using FileStream stream = File.Create(path);
        await using ParquetWriter writer = await ParquetWriter.CreateAsync(new ParquetSchema(fields), stream, null, false, default);
        using ParquetRowGroupWriter rowGroup = writer.CreateRowGroup();
        for (int i = 0; i < fields.Length; i++)
        {
            await rowGroup.WriteAsync<int>(fields[i], columns[i].Values, null, null, default);
        }
    }
}
