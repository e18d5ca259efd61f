using System.Text.Json;
using Parquet;
using Parquet.Schema;
using Recommender.Core.Preprocessing;
using Recommender.Core.Storage;

namespace Recommender.Core.Datasets;

/// <summary>
/// Loads a curated dataset written by <see cref="CuratedDatasetWriter"/> back into a <see cref="CuratedDataset"/>,
/// checking that indices are dense and in range so that a damaged dataset fails here rather than in training.
/// </summary>
public sealed class CuratedDatasetReader
{
    private readonly IArtifactStore _store;

    /// <summary>Creates a reader of the datasets in <paramref name="store"/>.</summary>
    public CuratedDatasetReader(IArtifactStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
    }

    /// <summary>Reads the manifest of dataset <paramref name="version"/>.</summary>
    /// <exception cref="ArtifactNotFoundException">The dataset (or its manifest) does not exist.</exception>
    /// <exception cref="InvalidCuratedDatasetException">The manifest cannot be read.</exception>
    public async Task<DatasetManifest> ReadManifestAsync(string version, CancellationToken cancellationToken = default)
    {
        string path = CuratedDatasetLayout.PathOf(version, CuratedDatasetLayout.ManifestFile);
        Stream stream = await _store.OpenReadAsync(path, cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            try
            {
                return await JsonSerializer.DeserializeAsync<DatasetManifest>(stream, DatasetJson.Options, cancellationToken).ConfigureAwait(false)
                    ?? throw new InvalidCuratedDatasetException(version, CuratedDatasetLayout.ManifestFile, "the manifest is empty");
            }
            catch (JsonException ex)
            {
                throw new InvalidCuratedDatasetException(version, CuratedDatasetLayout.ManifestFile, $"the manifest is not valid JSON ({ex.Message})", ex);
            }
        }
    }

    /// <summary>Reads dataset <paramref name="version"/>: vocabularies, train, validation and the seen-only pairs.</summary>
    /// <exception cref="ArtifactNotFoundException">The dataset (or one of its files) does not exist.</exception>
    /// <exception cref="InvalidCuratedDatasetException">A file is damaged or inconsistent with the others.</exception>
    public async Task<CuratedDataset> ReadAsync(string version, CancellationToken cancellationToken = default)
    {
        IArtifactStore store = _store;
        DatasetManifest manifest = await ReadManifestAsync(version, cancellationToken).ConfigureAwait(false);
        string[] userIds = await ReadVocabularyAsync(store, version, CuratedDatasetLayout.UsersFile, cancellationToken).ConfigureAwait(false);
        string[] itemIds = await ReadVocabularyAsync(store, version, CuratedDatasetLayout.ItemsFile, cancellationToken).ConfigureAwait(false);
        InteractionTable train = await ReadInteractionsAsync(store, version, CuratedDatasetLayout.TrainFile, userIds.Length, itemIds.Length, cancellationToken).ConfigureAwait(false);
        InteractionTable validation = await ReadInteractionsAsync(store, version, CuratedDatasetLayout.ValidationFile, userIds.Length, itemIds.Length, cancellationToken).ConfigureAwait(false);
        InteractionTable seenOnly = manifest.SeenOnlyPairs > 0
            ? await ReadInteractionsAsync(store, version, CuratedDatasetLayout.SeenOnlyFile, userIds.Length, itemIds.Length, cancellationToken).ConfigureAwait(false)
            : InteractionTable.Empty;
        if (seenOnly.Count != manifest.SeenOnlyPairs)
        {
            throw new InvalidCuratedDatasetException(
                version, CuratedDatasetLayout.SeenOnlyFile, $"it has {seenOnly.Count} rows and the manifest counts {manifest.SeenOnlyPairs} seen-only pairs");
        }

        return new CuratedDataset
        {
            Version = version,
            UserIds = userIds,
            ItemIds = itemIds,
            Train = train,
            Validation = validation,
            SeenOnly = seenOnly,
            IsExplicit = manifest.Feedback == FeedbackKind.Explicit,
        };
    }

    private static async Task<string[]> ReadVocabularyAsync(IArtifactStore store, string version, string file, CancellationToken cancellationToken)
    {
        return await ReadParquetAsync(store, version, file, async reader =>
        {
            DataField indexField = FindField(reader, version, file, CuratedDatasetLayout.IndexColumn, typeof(int));
            DataField idField = FindField(reader, version, file, CuratedDatasetLayout.ExternalIdColumn, typeof(string), typeof(ReadOnlyMemory<char>));
            var ids = new string?[CountRows(reader, version, file)];
            int offset = 0;
            for (int group = 0; group < reader.RowGroupCount; group++)
            {
                ParquetRowGroupReader rows = reader.OpenRowGroupReader(group);
                int length = (int)rows.RowCount;
                int[] indices = new int[length];
                await rows.ReadAsync(indexField, indices.AsMemory(), null, cancellationToken).ConfigureAwait(false);
                await rows.ReadAsync(idField, ids.AsMemory(offset, length), null, cancellationToken).ConfigureAwait(false);
                for (int row = 0; row < length; row++)
                {
                    if (indices[row] != offset + row)
                    {
                        throw new InvalidCuratedDatasetException(version, file, $"row {offset + row} has index {indices[row]}; indices must be 0, 1, 2, ...");
                    }

                    if (ids[offset + row] is null)
                    {
                        throw new InvalidCuratedDatasetException(version, file, $"row {offset + row} has no external id");
                    }
                }

                offset += length;
            }

            return Array.ConvertAll(ids, id => id!);
        }, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<InteractionTable> ReadInteractionsAsync(
        IArtifactStore store, string version, string file, int userCount, int itemCount, CancellationToken cancellationToken)
    {
        return await ReadParquetAsync(store, version, file, async reader =>
        {
            DataField userField = FindField(reader, version, file, CuratedDatasetLayout.UserColumn, typeof(int));
            DataField itemField = FindField(reader, version, file, CuratedDatasetLayout.ItemColumn, typeof(int));
            DataField weightField = FindField(reader, version, file, CuratedDatasetLayout.WeightColumn, typeof(float));
            DataField timestampField = FindField(reader, version, file, CuratedDatasetLayout.TimestampColumn, typeof(long));
            int count = CountRows(reader, version, file);
            var users = new int[count];
            var items = new int[count];
            var weights = new float[count];
            var timestamps = new long[count];
            int offset = 0;
            for (int group = 0; group < reader.RowGroupCount; group++)
            {
                ParquetRowGroupReader rows = reader.OpenRowGroupReader(group);
                int length = (int)rows.RowCount;
                await rows.ReadAsync(userField, users.AsMemory(offset, length), null, cancellationToken).ConfigureAwait(false);
                await rows.ReadAsync(itemField, items.AsMemory(offset, length), null, cancellationToken).ConfigureAwait(false);
                await rows.ReadAsync(weightField, weights.AsMemory(offset, length), null, cancellationToken).ConfigureAwait(false);
                await rows.ReadAsync(timestampField, timestamps.AsMemory(offset, length), null, cancellationToken).ConfigureAwait(false);
                offset += length;
            }

            CheckRange(users, userCount, version, file, CuratedDatasetLayout.UserColumn);
            CheckRange(items, itemCount, version, file, CuratedDatasetLayout.ItemColumn);
            return new InteractionTable(users, items, weights, timestamps);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Parquet needs a seekable input; a store stream that cannot seek is staged in memory first.</summary>
    private static async Task<T> ReadParquetAsync<T>(IArtifactStore store, string version, string file, Func<ParquetReader, Task<T>> read, CancellationToken cancellationToken)
    {
        Stream stream = await store.OpenReadAsync(CuratedDatasetLayout.PathOf(version, file), cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            Stream seekable = stream;
            if (!stream.CanSeek)
            {
                var copy = new MemoryStream();
                await stream.CopyToAsync(copy, cancellationToken).ConfigureAwait(false);
                copy.Position = 0;
                seekable = copy;
            }

            try
            {
                ParquetReader reader = await ParquetReader.CreateAsync(seekable, leaveStreamOpen: true, cancellationToken: cancellationToken).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    return await read(reader).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is IOException or InvalidDataException or ArgumentException or InvalidOperationException or NotSupportedException)
            {
                throw new InvalidCuratedDatasetException(version, file, $"the file cannot be read as Parquet ({ex.Message})", ex);
            }
            finally
            {
                if (!ReferenceEquals(seekable, stream))
                {
                    await seekable.DisposeAsync().ConfigureAwait(false);
                }
            }
        }
    }

    /// <summary>The column <paramref name="name"/>; Parquet.Net reports UTF-8 text as string or as ReadOnlyMemory&lt;char&gt;, both read as strings.</summary>
    private static DataField FindField(ParquetReader reader, string version, string file, string name, Type type, Type? alternativeType = null)
    {
        foreach (DataField field in reader.Schema.DataFields)
        {
            if (string.Equals(field.Name, name, StringComparison.Ordinal))
            {
                return field.ClrType == type || field.ClrType == alternativeType
                    ? field
                    : throw new InvalidCuratedDatasetException(version, file, $"column '{name}' holds {field.ClrType.Name}, expected {type.Name}");
            }
        }

        throw new InvalidCuratedDatasetException(version, file, $"column '{name}' is missing");
    }

    private static int CountRows(ParquetReader reader, string version, string file)
    {
        long total = 0;
        for (int group = 0; group < reader.RowGroupCount; group++)
        {
            total += reader.OpenRowGroupReader(group).RowCount;
        }

        return total <= Array.MaxLength
            ? (int)total
            : throw new InvalidCuratedDatasetException(version, file, $"{total} rows do not fit in memory as one table");
    }

    private static void CheckRange(int[] indices, int count, string version, string file, string column)
    {
        for (int row = 0; row < indices.Length; row++)
        {
            if ((uint)indices[row] >= (uint)count)
            {
                throw new InvalidCuratedDatasetException(version, file, $"row {row}: column '{column}' is {indices[row]}, outside 0..{count - 1}");
            }
        }
    }
}

/// <summary>A curated dataset's file is missing a column, damaged, or inconsistent with the other files.</summary>
public sealed class InvalidCuratedDatasetException : Exception
{
    /// <summary>Creates the exception.</summary>
    public InvalidCuratedDatasetException(string version, string file, string reason, Exception? inner = null)
        : base($"Dataset {version}, {file}: {reason}.", inner)
    {
        Version = version;
        File = file;
        Reason = reason;
    }

    /// <summary>The dataset version.</summary>
    public string Version { get; }

    /// <summary>The file at fault, e.g. <c>train.parquet</c>.</summary>
    public string File { get; }

    /// <summary>What is wrong with it.</summary>
    public string Reason { get; }
}
