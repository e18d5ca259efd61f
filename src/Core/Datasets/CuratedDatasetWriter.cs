using System.Buffers;
using System.Text.Json;
using Parquet;
using Parquet.Schema;
using Recommender.Core.Storage;

namespace Recommender.Core.Datasets;

/// <summary>
/// Writes a curated dataset to <c>datasets/{version}/</c>: users, items, train, validation and (when there are any)
/// the seen-only pairs as Parquet (in row groups of bounded size), then <c>manifest.json</c>, whose presence marks the dataset complete. Nothing written
/// depends on the clock or on chance, so the same dataset is written as the same bytes.
/// </summary>
public sealed class CuratedDatasetWriter
{
    /// <summary>Rows per Parquet row group unless told otherwise.</summary>
    public const int DefaultRowGroupSize = 1 << 20;

    private static readonly DataField<int> IndexField = new(CuratedDatasetLayout.IndexColumn, nullable: false);
    private static readonly DataField<string> ExternalIdField = new(CuratedDatasetLayout.ExternalIdColumn, nullable: false);
    private static readonly DataField<int> UserField = new(CuratedDatasetLayout.UserColumn, nullable: false);
    private static readonly DataField<int> ItemField = new(CuratedDatasetLayout.ItemColumn, nullable: false);
    private static readonly DataField<float> WeightField = new(CuratedDatasetLayout.WeightColumn, nullable: false);
    private static readonly DataField<long> TimestampField = new(CuratedDatasetLayout.TimestampColumn, nullable: false);

    private readonly int _rowGroupSize;

    /// <summary>Creates a writer that puts at most <paramref name="rowGroupSize"/> rows in a Parquet row group.</summary>
    public CuratedDatasetWriter(int rowGroupSize = DefaultRowGroupSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rowGroupSize, 1);
        _rowGroupSize = rowGroupSize;
    }

    /// <summary>Writes <paramref name="dataset"/> and its <paramref name="manifest"/> under the dataset's version.</summary>
    public async Task WriteAsync(IArtifactStore store, CuratedDataset dataset, DatasetManifest manifest, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(manifest);
        if (!string.Equals(dataset.Version, manifest.Version, StringComparison.Ordinal))
        {
            throw new ArgumentException($"The manifest is for version '{manifest.Version}', the dataset is version '{dataset.Version}'.", nameof(manifest));
        }

        await WriteAsync(
            store, dataset.Version, dataset.UserIds, dataset.ItemIds, InteractionRows.All(dataset.Train), InteractionRows.All(dataset.Validation), dataset.SeenOnly, manifest,
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Writes a dataset whose train and validation rows are picked from shared columns, so they are written without
    /// first being copied into tables of their own. The bytes are those that
    /// <see cref="WriteAsync(IArtifactStore, CuratedDataset, DatasetManifest, CancellationToken)"/> writes for the same rows.
    /// </summary>
    internal async Task WriteAsync(
        IArtifactStore store, string version, IReadOnlyList<string> userIds, IReadOnlyList<string> itemIds, InteractionRows train, InteractionRows validation,
        InteractionTable seenOnly, DatasetManifest manifest, CancellationToken cancellationToken = default)
    {
        if (seenOnly.Count != manifest.SeenOnlyPairs)
        {
            throw new ArgumentException($"The manifest counts {manifest.SeenOnlyPairs} seen-only pairs, the dataset has {seenOnly.Count}.", nameof(manifest));
        }

        await WriteParquetAsync(store, CuratedDatasetLayout.PathOf(version, CuratedDatasetLayout.UsersFile),
            (output, token) => WriteVocabularyAsync(output, userIds, token), cancellationToken).ConfigureAwait(false);
        await WriteParquetAsync(store, CuratedDatasetLayout.PathOf(version, CuratedDatasetLayout.ItemsFile),
            (output, token) => WriteVocabularyAsync(output, itemIds, token), cancellationToken).ConfigureAwait(false);
        await WriteParquetAsync(store, CuratedDatasetLayout.PathOf(version, CuratedDatasetLayout.TrainFile),
            (output, token) => WriteInteractionsAsync(output, train, token), cancellationToken).ConfigureAwait(false);
        await WriteParquetAsync(store, CuratedDatasetLayout.PathOf(version, CuratedDatasetLayout.ValidationFile),
            (output, token) => WriteInteractionsAsync(output, validation, token), cancellationToken).ConfigureAwait(false);
        if (seenOnly.Count > 0)
        {
            await WriteParquetAsync(store, CuratedDatasetLayout.PathOf(version, CuratedDatasetLayout.SeenOnlyFile),
                (output, token) => WriteInteractionsAsync(output, InteractionRows.All(seenOnly), token), cancellationToken).ConfigureAwait(false);
        }

        using var manifestStream = new MemoryStream();
        await JsonSerializer.SerializeAsync(manifestStream, manifest, DatasetJson.Options, cancellationToken).ConfigureAwait(false);
        manifestStream.WriteByte((byte)'\n');
        manifestStream.Position = 0;
        await store.WriteAsync(CuratedDatasetLayout.PathOf(version, CuratedDatasetLayout.ManifestFile), manifestStream, null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Parquet needs a seekable output, so each file is staged in a temporary file and then uploaded.</summary>
    private static async Task WriteParquetAsync(IArtifactStore store, string path, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken)
    {
        string staging = Path.Combine(Path.GetTempPath(), $"recommender-dataset-{Guid.NewGuid():N}.parquet");
        var stream = new FileStream(staging, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.Asynchronous | FileOptions.DeleteOnClose);
        await using (stream.ConfigureAwait(false))
        {
            await write(stream, cancellationToken).ConfigureAwait(false);
            stream.Position = 0;
            await store.WriteAsync(path, stream, null, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task WriteVocabularyAsync(Stream output, IReadOnlyList<string> externalIds, CancellationToken cancellationToken)
    {
        string[] ids = externalIds as string[] ?? [.. externalIds];
        ParquetWriter writer = await ParquetWriter.CreateAsync(new ParquetSchema(IndexField, ExternalIdField), output, cancellationToken: cancellationToken).ConfigureAwait(false);
        await using (writer.ConfigureAwait(false))
        {
            int[] indices = new int[Math.Min(ids.Length, _rowGroupSize)];
            for (int start = 0; start < ids.Length; start += _rowGroupSize)
            {
                int length = Math.Min(_rowGroupSize, ids.Length - start);
                for (int offset = 0; offset < length; offset++)
                {
                    indices[offset] = start + offset;
                }

                using ParquetRowGroupWriter group = writer.CreateRowGroup();
                await group.WriteAsync(IndexField, new ReadOnlyMemory<int>(indices, 0, length), cancellationToken: cancellationToken).ConfigureAwait(false);
                await group.WriteAsync(ExternalIdField, new ArraySegment<string>(ids, start, length)).ConfigureAwait(false);
            }
        }
    }

    private async Task WriteInteractionsAsync(Stream output, InteractionRows rows, CancellationToken cancellationToken)
    {
        var schema = new ParquetSchema(UserField, ItemField, WeightField, TimestampField);
        ParquetWriter writer = await ParquetWriter.CreateAsync(schema, output, cancellationToken: cancellationToken).ConfigureAwait(false);
        await using (writer.ConfigureAwait(false))
        {
            if (rows.Picks is null)
            {
                for (int start = 0; start < rows.Count; start += _rowGroupSize)
                {
                    int length = Math.Min(_rowGroupSize, rows.Count - start);
                    await WriteRowGroupAsync(writer, rows.Users, rows.Items, rows.Weights, rows.Timestamps, start, length, cancellationToken).ConfigureAwait(false);
                }

                return;
            }

            // Picked rows are gathered a row group at a time into pooled buffers.
            int picked = rows.CountPicked();
            int size = Math.Min(_rowGroupSize, picked);
            int[] users = ArrayPool<int>.Shared.Rent(size);
            int[] items = ArrayPool<int>.Shared.Rent(size);
            float[] weights = ArrayPool<float>.Shared.Rent(size);
            long[] timestamps = ArrayPool<long>.Shared.Rent(size);
            try
            {
                int row = 0;
                for (int start = 0; start < picked; start += _rowGroupSize)
                {
                    int length = Math.Min(_rowGroupSize, picked - start);
                    for (int next = 0; next < length; row++)
                    {
                        if (rows.IsPicked(row))
                        {
                            users[next] = rows.Users[row];
                            items[next] = rows.Items[row];
                            weights[next] = rows.Weights[row];
                            timestamps[next] = rows.Timestamps[row];
                            next++;
                        }
                    }

                    await WriteRowGroupAsync(writer, users, items, weights, timestamps, 0, length, cancellationToken).ConfigureAwait(false);
                }
            }
            finally
            {
                ArrayPool<int>.Shared.Return(users);
                ArrayPool<int>.Shared.Return(items);
                ArrayPool<float>.Shared.Return(weights);
                ArrayPool<long>.Shared.Return(timestamps);
            }
        }
    }

    private static async Task WriteRowGroupAsync(
        ParquetWriter writer, int[] users, int[] items, float[] weights, long[] timestamps, int start, int length, CancellationToken cancellationToken)
    {
        using ParquetRowGroupWriter group = writer.CreateRowGroup();
        await group.WriteAsync(UserField, new ReadOnlyMemory<int>(users, start, length), cancellationToken: cancellationToken).ConfigureAwait(false);
        await group.WriteAsync(ItemField, new ReadOnlyMemory<int>(items, start, length), cancellationToken: cancellationToken).ConfigureAwait(false);
        await group.WriteAsync(WeightField, new ReadOnlyMemory<float>(weights, start, length), cancellationToken: cancellationToken).ConfigureAwait(false);
        await group.WriteAsync(TimestampField, new ReadOnlyMemory<long>(timestamps, start, length), cancellationToken: cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>
/// Interaction rows to write: the first <see cref="Count"/> rows of parallel columns, or, with <see cref="Picks"/>,
/// those of them whose pick flag equals <see cref="PickedWhen"/> (train or validation rows of one set of columns).
/// </summary>
internal readonly record struct InteractionRows(
    int[] Users, int[] Items, float[] Weights, long[] Timestamps, int Count, bool[]? Picks = null, bool PickedWhen = true)
{
    /// <summary>Every row of a table.</summary>
    public static InteractionRows All(InteractionTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        return new InteractionRows(table.Users, table.Items, table.Weights, table.Timestamps, table.Count);
    }

    public bool IsPicked(int row) => Picks is null || Picks[row] == PickedWhen;

    public int CountPicked()
    {
        if (Picks is null)
        {
            return Count;
        }

        int picked = 0;
        for (int row = 0; row < Count; row++)
        {
            if (Picks[row] == PickedWhen)
            {
                picked++;
            }
        }

        return picked;
    }
}
