using Recommender.Core.Ingestion;

namespace Recommender.Core.Tests.Ingestion;

/// <summary>Reads a whole test log through the public reader API.</summary>
internal static class LogReading
{
    public static async Task<(InteractionLogSchema Schema, IReadOnlyList<InteractionBatch> Batches)> ReadAllAsync(
        string path, ColumnMapping? mapping = null)
    {
        var reader = new InteractionLogReader();
        await using InteractionLog log = await reader.OpenAsync(path, mapping ?? ColumnMapping.AutoDetect);
        var batches = new List<InteractionBatch>();
        await foreach (InteractionBatch batch in log.ReadBatchesAsync())
        {
            batches.Add(batch);
        }

        return (log.Schema, batches);
    }

    public static async Task<InteractionBatch> ReadSingleBatchAsync(string path, ColumnMapping? mapping = null)
    {
        (_, IReadOnlyList<InteractionBatch> batches) = await ReadAllAsync(path, mapping);
        return Assert.Single(batches);
    }

    public static Task<InvalidInteractionLogException> RejectAsync(string path, ColumnMapping? mapping = null) =>
        Assert.ThrowsAsync<InvalidInteractionLogException>(() => ReadAllAsync(path, mapping));

    /// <summary>Microseconds since the epoch of a UTC calendar time, the unit of <see cref="InteractionBatch.TimestampsMicros"/>.</summary>
    public static long Micros(int year, int month, int day, int hour = 0, int minute = 0, int second = 0, int microsecond = 0) =>
        (new DateTime(year, month, day, hour, minute, second, DateTimeKind.Utc).Ticks - DateTime.UnixEpoch.Ticks) / 10 + microsecond;
}
