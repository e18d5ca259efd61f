using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;

namespace Recommender.Core.Lookup;

/// <summary>
/// <see cref="ILookupStore"/> on Azure Table Storage. Lists of a version live in partitions
/// <c>{version}|{bucket}</c> (ids hashed into buckets so writes spread and batch transactions of
/// up to 100 rows apply), one row per user keyed by the encoded user id. The active version is
/// one pointer row replaced in a single operation, so a reader that reads the pointer and then
/// its user's row sees one version whole: a version's rows are complete before the pointer moves.
/// </summary>
public sealed class TableLookupStore : ILookupStore
{
    private const int Buckets = 32;
    private const int MaxBatch = 100;
    private const string PointerPartition = "pointer";
    private const string PointerRow = "active";
    private const string VersionsPartition = "versions";
    private const string FallbackRow = "fallback";

    private readonly TableClient _table;

    /// <summary>Creates a store over <paramref name="table"/>.</summary>
    public TableLookupStore(TableClient table)
    {
        ArgumentNullException.ThrowIfNull(table);
        _table = table;
    }

    /// <summary>Creates the table when it does not exist yet.</summary>
    public async Task EnsureCreatedAsync(CancellationToken cancellationToken = default) =>
        await _table.CreateIfNotExistsAsync(cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async Task WriteAsync(string version, IReadOnlyList<UserRecommendations> batch, CancellationToken cancellationToken = default)
    {
        ValidateVersion(version);
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Count == 0)
        {
            return;
        }

        await EnsureNotActiveAsync(version, cancellationToken).ConfigureAwait(false);

        await _table.UpsertEntityAsync(
            new TableEntity(VersionsPartition, version) { ["CreatedAt"] = batch[0].GeneratedAt },
            TableUpdateMode.Merge,
            cancellationToken).ConfigureAwait(false);

        foreach (var partition in batch.GroupBy(list => PartitionOf(version, list.UserId)))
        {
            foreach (var chunk in partition.Chunk(MaxBatch))
            {
                var actions = chunk
                    .Select(list => new TableTransactionAction(TableTransactionActionType.UpsertReplace, ToEntity(partition.Key, list)))
                    .ToList();
                await _table.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <inheritdoc />
    public async Task WriteFallbackAsync(string version, UserRecommendations fallback, CancellationToken cancellationToken = default)
    {
        ValidateVersion(version);
        ArgumentNullException.ThrowIfNull(fallback);
        await EnsureNotActiveAsync(version, cancellationToken).ConfigureAwait(false);
        await _table.UpsertEntityAsync(ToEntity(FallbackPartition(version), fallback, FallbackRow), TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<UserRecommendations?> GetFallbackAsync(string? version = null, CancellationToken cancellationToken = default)
    {
        version ??= await GetActiveVersionAsync(cancellationToken).ConfigureAwait(false);
        if (version is null)
        {
            return null;
        }

        NullableResponse<TableEntity> row = await _table
            .GetEntityIfExistsAsync<TableEntity>(FallbackPartition(version), FallbackRow, cancellationToken: cancellationToken)
            .ConfigureAwait(false);
        return row.HasValue ? FromEntity(row.Value!, version) : null;
    }

    /// <inheritdoc />
    public async Task<string?> PublishAsync(string version, CancellationToken cancellationToken = default)
    {
        ValidateVersion(version);
        long users = await CountUsersAsync(version, cancellationToken).ConfigureAwait(false);
        if (users == 0)
        {
            throw new KeyNotFoundException($"Lookup version '{version}' has no user lists; write them before publishing it.");
        }

        string? previous = await GetActiveVersionAsync(cancellationToken).ConfigureAwait(false);
        await _table.UpsertEntityAsync(
            new TableEntity(VersionsPartition, version) { ["UserCount"] = users, ["Published"] = true },
            TableUpdateMode.Merge,
            cancellationToken).ConfigureAwait(false);
        await _table.UpsertEntityAsync(
            new TableEntity(PointerPartition, PointerRow) { ["Version"] = version, ["PublishedAt"] = DateTimeOffset.UtcNow },
            TableUpdateMode.Replace,
            cancellationToken).ConfigureAwait(false);
        return previous;
    }

    /// <inheritdoc />
    public async Task<string?> GetActiveVersionAsync(CancellationToken cancellationToken = default)
    {
        NullableResponse<TableEntity> pointer = await _table
            .GetEntityIfExistsAsync<TableEntity>(PointerPartition, PointerRow, ["Version"], cancellationToken)
            .ConfigureAwait(false);
        return pointer.HasValue ? pointer.Value!.GetString("Version") : null;
    }

    /// <inheritdoc />
    public async Task<UserRecommendations?> GetAsync(string userId, string? version = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userId);
        version ??= await GetActiveVersionAsync(cancellationToken).ConfigureAwait(false);
        if (version is null)
        {
            return null;
        }

        NullableResponse<TableEntity> row = await _table
            .GetEntityIfExistsAsync<TableEntity>(PartitionOf(version, userId), TableKeyEncoding.Encode(userId), cancellationToken: cancellationToken)
            .ConfigureAwait(false);
        if (!row.HasValue)
        {
            return null;
        }

        UserRecommendations list = FromEntity(row.Value!, version);
        // A hashed key is only a key: the stored id must be the one asked for.
        return string.Equals(list.UserId, userId, StringComparison.Ordinal) ? list : null;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<LookupVersion>> ListVersionsAsync(CancellationToken cancellationToken = default)
    {
        string? active = await GetActiveVersionAsync(cancellationToken).ConfigureAwait(false);
        var versions = new List<LookupVersion>();
        await foreach (TableEntity row in _table.QueryAsync<TableEntity>(e => e.PartitionKey == VersionsPartition, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            versions.Add(new LookupVersion(
                row.RowKey,
                row.GetDateTimeOffset("CreatedAt") ?? row.Timestamp ?? DateTimeOffset.MinValue,
                row.GetInt64("UserCount") ?? 0,
                row.RowKey == active,
                row.GetBoolean("Published") ?? false));
        }

        return versions.OrderByDescending(v => v.CreatedAt).ThenByDescending(v => v.Version, StringComparer.Ordinal).ToList();
    }

    /// <inheritdoc />
    public async Task DeleteVersionAsync(string version, CancellationToken cancellationToken = default)
    {
        ValidateVersion(version);
        if (await GetActiveVersionAsync(cancellationToken).ConfigureAwait(false) == version)
        {
            throw new InvalidOperationException($"Lookup version '{version}' is active and cannot be deleted; activate another version first.");
        }

        for (int bucket = 0; bucket < Buckets; bucket++)
        {
            string partition = PartitionName(version, bucket);
            var keys = new List<string>();
            await foreach (TableEntity row in _table.QueryAsync<TableEntity>(e => e.PartitionKey == partition, select: ["RowKey"], cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                keys.Add(row.RowKey);
            }

            foreach (string[] chunk in keys.Chunk(MaxBatch))
            {
                var actions = chunk.Select(key => new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(partition, key), ETag.All)).ToList();
                await _table.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
            }
        }

        await _table.DeleteEntityAsync(FallbackPartition(version), FallbackRow, ETag.All, cancellationToken).ConfigureAwait(false);
        await _table.DeleteEntityAsync(VersionsPartition, version, ETag.All, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<UserRecommendations> ReadAllAsync(string version, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ValidateVersion(version);
        NullableResponse<TableEntity> known = await _table
            .GetEntityIfExistsAsync<TableEntity>(VersionsPartition, version, ["RowKey"], cancellationToken)
            .ConfigureAwait(false);
        if (!known.HasValue)
        {
            throw new KeyNotFoundException($"Lookup version '{version}' does not exist.");
        }
        var all = new List<UserRecommendations>();
        for (int bucket = 0; bucket < Buckets; bucket++)
        {
            string partition = PartitionName(version, bucket);
            await foreach (TableEntity row in _table.QueryAsync<TableEntity>(e => e.PartitionKey == partition, cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                all.Add(FromEntity(row, version));
            }
        }

        foreach (UserRecommendations list in all.OrderBy(l => l.UserId, StringComparer.Ordinal))
        {
            yield return list;
        }
    }

    private async Task EnsureNotActiveAsync(string version, CancellationToken cancellationToken)
    {
        if (await GetActiveVersionAsync(cancellationToken).ConfigureAwait(false) == version)
        {
            throw new InvalidOperationException($"Lookup version '{version}' is active and cannot be rewritten; write a new version and publish it.");
        }
    }

    private async Task<long> CountUsersAsync(string version, CancellationToken cancellationToken)
    {
        long count = 0;
        for (int bucket = 0; bucket < Buckets; bucket++)
        {
            string partition = PartitionName(version, bucket);
            await foreach (TableEntity _ in _table.QueryAsync<TableEntity>(e => e.PartitionKey == partition, select: ["RowKey"], cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                count++;
            }
        }

        return count;
    }

    private static TableEntity ToEntity(string partition, UserRecommendations list, string? rowKey = null) => new(partition, rowKey ?? TableKeyEncoding.Encode(list.UserId))
    {
        ["UserId"] = list.UserId,
        ["Items"] = JsonSerializer.Serialize(list.ItemIds),
        ["Scores"] = MemoryMarshal.AsBytes(list.Scores.ToArray().AsSpan()).ToArray(),
        ["GeneratedAt"] = list.GeneratedAt,
    };

    private static UserRecommendations FromEntity(TableEntity row, string version)
    {
        string[] items = JsonSerializer.Deserialize<string[]>(row.GetString("Items") ?? "[]") ?? [];
        byte[] scoreBytes = row.GetBinary("Scores") ?? [];
        float[] scores = MemoryMarshal.Cast<byte, float>(scoreBytes).ToArray();
        return new UserRecommendations(
            row.GetString("UserId") ?? TableKeyEncoding.Decode(row.RowKey),
            items,
            scores,
            version,
            row.GetDateTimeOffset("GeneratedAt") ?? DateTimeOffset.MinValue);
    }

    private static string FallbackPartition(string version) => $"{version}|fallback";

    private static string PartitionOf(string version, string userId) => PartitionName(version, TableKeyEncoding.Bucket(userId, Buckets));

    private static string PartitionName(string version, int bucket) => string.Create(CultureInfo.InvariantCulture, $"{version}|{bucket:D2}");

    private static void ValidateVersion(string version)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(version);
        if (version.Any(c => c is '/' or '\\' or '#' or '?' or '|' || char.IsControl(c)) || version.Length > 64)
        {
            throw new ArgumentException($"Lookup version '{version}' must be at most 64 characters without / \\ # ? | or control characters.", nameof(version));
        }
    }
}
