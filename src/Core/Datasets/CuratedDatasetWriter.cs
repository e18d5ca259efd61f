using System.Text.Json;
using Parquet;
using Parquet.Schema;
using Recommender.Core.Storage;

namespace Recommender.Core.Datasets;

/// <summary>
/// Writes a curated dataset to <c>datasets/{version}/</c>: users, items, train and validation as Parquet (in row
/// groups of bounded size), then <c>manifest.json</c>, whose presence marks the dataset complete. Nothing written
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

        string version = dataset.Version;
        await WriteParquetAsync(store, CuratedDatasetLayout.PathOf(version, CuratedDatasetLayout.UsersFile),
            (output, token) => WriteVocabularyAsync(output, dataset.UserIds, token), cancellationToken).ConfigureAwait(false);
        await WriteParquetAsync(store, CuratedDatasetLayout.PathOf(version, CuratedDatasetLayout.ItemsFile),
            (output, token) => WriteVocabularyAsync(output, dataset.ItemIds, token), cancellationToken).ConfigureAwait(false);
        await WriteParquetAsync(store, CuratedDatasetLayout.PathOf(version, CuratedDatasetLayout.TrainFile),
            (output, token) => WriteInteractionsAsync(output, dataset.Train, token), cancellationToken).ConfigureAwait(false);
        await WriteParquetAsync(store, CuratedDatasetLayout.PathOf(version, CuratedDatasetLayout.ValidationFile),
            (output, token) => WriteInteractionsAsync(output, dataset.Validation, token), cancellationToken).ConfigureAwait(false);

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

    private async Task WriteInteractionsAsync(Stream output, InteractionTable table, CancellationToken cancellationToken)
    {
        var schema = new ParquetSchema(UserField, ItemField, WeightField, TimestampField);
        ParquetWriter writer = await ParquetWriter.CreateAsync(schema, output, cancellationToken: cancellationToken).ConfigureAwait(false);
        await using (writer.ConfigureAwait(false))
        {
            for (int start = 0; start < table.Count; start += _rowGroupSize)
            {
                int length = Math.Min(_rowGroupSize, table.Count - start);
                using ParquetRowGroupWriter group = writer.CreateRowGroup();
                await group.WriteAsync(UserField, new ReadOnlyMemory<int>(table.Users, start, length), cancellationToken: cancellationToken).ConfigureAwait(false);
                await group.WriteAsync(ItemField, new ReadOnlyMemory<int>(table.Items, start, length), cancellationToken: cancellationToken).ConfigureAwait(false);
                await group.WriteAsync(WeightField, new ReadOnlyMemory<float>(table.Weights, start, length), cancellationToken: cancellationToken).ConfigureAwait(false);
                await group.WriteAsync(TimestampField, new ReadOnlyMemory<long>(table.Timestamps, start, length), cancellationToken: cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
