using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using Recommender.Core.Models;
using Recommender.Core.Storage;
using TorchSharp.Modules;

namespace Recommender.Core.Training;

/// <summary>
/// The checkpoints of one run under <c>models/{runId}/checkpoints/</c>. Each epoch writes
/// <c>epoch-NNNN.ckpt</c> (TorchSharp's own tensor format: the module state, then the optimizer state)
/// and only then <c>epoch-NNNN.json</c> with its size and SHA-256; a checkpoint without that record,
/// or whose bytes, hash or tensor layout disagree with it, is never loaded.
/// </summary>
internal sealed class ModelCheckpoints
{
    /// <summary>Bytes a checkpoint may spend on headers and names beyond its tensor data.</summary>
    public const long MaxHeaderBytes = 1 << 20;

    private const long MaxRecordBytes = 64L << 20;
    private const int CopyBufferBytes = 1 << 16;
    private static readonly byte[] Magic = "RECCKPT1"u8.ToArray();
    private readonly IArtifactStore _store;
    private readonly string _runId;

    public ModelCheckpoints(IArtifactStore store, string runId)
    {
        _store = store;
        _runId = runId;
    }

    /// <summary>Writes the state after <paramref name="state"/>'s epoch: tensors first, then the record that completes them.</summary>
    public async Task<CheckpointRecord> WriteAsync(EmbeddingModel model, OptimizerHelper optimizer, TrainerState state, CancellationToken cancellationToken)
    {
        string path = ModelArtifactPaths.Checkpoint(_runId, state.Epoch);
        FileStream file = CreateTemporaryFile();
        await using (file.ConfigureAwait(false))
        {
            long modelLength;
            long optimizerLength;
            using (var writer = new BinaryWriter(file, Encoding.UTF8, leaveOpen: true))
            {
                writer.Write(Magic);
                writer.Write(0L);
                long modelStart = file.Position;
                model.save(writer);
                writer.Flush();
                modelLength = file.Position - modelStart;
                writer.Write(0L);
                long optimizerStart = file.Position;
                optimizer.save_state_dict(writer);
                writer.Flush();
                optimizerLength = file.Position - optimizerStart;
                file.Position = modelStart - sizeof(long);
                writer.Write(modelLength);
                file.Position = optimizerStart - sizeof(long);
                writer.Write(optimizerLength);
                writer.Flush();
            }

            file.Position = 0;
            byte[] hash = await SHA256.HashDataAsync(file, cancellationToken).ConfigureAwait(false);
            long size = file.Length;
            file.Position = 0;
            await _store.WriteAsync(path, file, cancellationToken: cancellationToken).ConfigureAwait(false);

            var record = new CheckpointRecord
            {
                RunId = _runId,
                Epoch = state.Epoch,
                Checkpoint = path,
                Size = size,
                Sha256 = Convert.ToHexStringLower(hash),
                ModelStateLength = modelLength,
                OptimizerStateLength = optimizerLength,
                Parameters = model.DescribeState(),
                State = state,
            };
            await ModelArtifactJson.WriteAsync(_store, ModelArtifactPaths.CheckpointRecord(_runId, state.Epoch), record, cancellationToken).ConfigureAwait(false);
            return record;
        }
    }

    /// <summary>
    /// Copies the checkpoint of <paramref name="record"/> (one of this run's) to run <paramref name="targetRunId"/>
    /// as its checkpoint of the same epoch, with <paramref name="targetState"/> as its bookkeeping: the bytes
    /// first, then the record that completes them. The tensors are not loaded; loading verifies them as always.
    /// </summary>
    public async Task CopyAsync(CheckpointRecord record, string targetRunId, TrainerState targetState, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(targetState);
        string path = ModelArtifactPaths.Checkpoint(targetRunId, record.Epoch);
        Stream source = await _store.OpenReadAsync(record.Checkpoint, cancellationToken).ConfigureAwait(false);
        await using (source.ConfigureAwait(false))
        {
            await _store.WriteAsync(path, source, cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        CheckpointRecord copied = record with { RunId = targetRunId, Checkpoint = path, State = targetState };
        await ModelArtifactJson.WriteAsync(_store, ModelArtifactPaths.CheckpointRecord(targetRunId, record.Epoch), copied, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Epochs that have a checkpoint record, newest first (their checkpoints are not verified yet).</summary>
    public async Task<IReadOnlyList<int>> ListEpochsAsync(CancellationToken cancellationToken)
    {
        var epochs = new List<int>();
        await foreach (ArtifactInfo info in _store.ListAsync(ModelArtifactPaths.Checkpoints(_runId), cancellationToken).ConfigureAwait(false))
        {
            if (ModelArtifactPaths.EpochOfCheckpointRecord(_runId, info.Path) is { } epoch)
            {
                epochs.Add(epoch);
            }
        }

        epochs.Sort((a, b) => b.CompareTo(a));
        return epochs;
    }

    /// <summary>The record of an epoch's checkpoint, checked for consistency with the run; null when there is none.</summary>
    public async Task<CheckpointRecord?> ReadRecordAsync(int epoch, CancellationToken cancellationToken)
    {
        string path = ModelArtifactPaths.CheckpointRecord(_runId, epoch);
        CheckpointRecord? record = await ModelArtifactJson.ReadAsync<CheckpointRecord>(_store, path, MaxRecordBytes, cancellationToken).ConfigureAwait(false);
        if (record is null)
        {
            return null;
        }

        if (record.FormatVersion != CheckpointRecord.CurrentFormatVersion || record.RunId != _runId || record.Epoch != epoch
            || record.Checkpoint != ModelArtifactPaths.Checkpoint(_runId, epoch) || record.State is null || record.State.Epoch != epoch
            || record.Parameters is null || record.ModelStateLength < 0 || record.OptimizerStateLength < 0
            || record.Size != Magic.Length + (2 * sizeof(long)) + record.ModelStateLength + record.OptimizerStateLength)
        {
            throw new InvalidModelArtifactException(path, "it does not describe this run's checkpoint of this epoch consistently");
        }

        return record;
    }

    /// <summary>
    /// Checks, before anything is allocated for it, that a checkpoint holds the tensors of
    /// <paramref name="expected"/>, that its model state is no larger than they need plus headers, and
    /// that the stored file has the size its record says; so what loading allocates is bounded by
    /// bytes that really exist.
    /// </summary>
    public async Task EnsureSizedAsync(CheckpointRecord record, IReadOnlyList<TensorShape> expected, CancellationToken cancellationToken)
    {
        if (!TensorShape.SameTensors(record.Parameters, expected))
        {
            throw new InvalidModelArtifactException(record.Checkpoint, "its tensors differ from the model's description");
        }

        long dataBytes = 0;
        foreach (TensorShape shape in expected)
        {
            if (!Enum.TryParse(shape.ElementType, out TorchSharp.torch.ScalarType elementType) || shape.Shape.Any(size => size < 0))
            {
                throw new InvalidModelArtifactException(record.Checkpoint, $"tensor '{shape.Name}' has an unsupported element type or shape");
            }

            dataBytes = checked(dataBytes + TorchStateFormat.DataBytes(elementType, shape.Shape));
        }

        if (record.ModelStateLength < dataBytes || record.ModelStateLength > dataBytes + MaxHeaderBytes)
        {
            throw new InvalidModelArtifactException(record.Checkpoint, $"its model state is {record.ModelStateLength} bytes where the model's tensors need {dataBytes}");
        }

        ArtifactInfo info = await _store.GetInfoAsync(record.Checkpoint, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidModelArtifactException(record.Checkpoint, "it does not exist");
        if (info.Size != record.Size)
        {
            throw new InvalidModelArtifactException(record.Checkpoint, $"it is {info.Size} bytes where its record says {record.Size}");
        }
    }

    /// <summary>
    /// Verifies the checkpoint of <paramref name="record"/> (size, hash, tensor layout) and loads it
    /// into <paramref name="model"/> and, when given, <paramref name="optimizer"/> (both on the CPU).
    /// </summary>
    public async Task LoadAsync(CheckpointRecord record, EmbeddingModel model, Adam? optimizer, CancellationToken cancellationToken)
    {
        IReadOnlyList<TensorShape> state = model.DescribeState();
        await EnsureSizedAsync(record, state, cancellationToken).ConfigureAwait(false);
        FileStream file = await DownloadVerifiedAsync(record, cancellationToken).ConfigureAwait(false);
        await using (file.ConfigureAwait(false))
        {
            using var reader = new BinaryReader(file, Encoding.UTF8, leaveOpen: true);
            if (!reader.ReadBytes(Magic.Length).AsSpan().SequenceEqual(Magic) || reader.ReadInt64() != record.ModelStateLength)
            {
                throw new InvalidModelArtifactException(record.Checkpoint, "it does not start with a checkpoint header that matches its record");
            }

            long modelStart = file.Position;
            TorchStateFormat.ValidateModuleState(reader, record.ModelStateLength, state, record.Checkpoint);
            if (reader.ReadInt64() != record.OptimizerStateLength)
            {
                throw new InvalidModelArtifactException(record.Checkpoint, "its optimizer section length differs from its record");
            }

            long optimizerStart = file.Position;
            if (optimizer is not null)
            {
                TorchStateFormat.ValidateAdamState(reader, record.OptimizerStateLength, nameof(Adam), model.DescribeParameters(), OptionsLength(optimizer), record.Checkpoint);
            }

            file.Position = modelStart;
            model.load(reader, strict: true);
            if (optimizer is not null)
            {
                file.Position = optimizerStart;
                optimizer.load_state_dict(reader);
            }
        }
    }

    /// <summary>Deletes the checkpoints of every epoch not in <paramref name="keep"/> (the record first, so none points at a missing file).</summary>
    public async Task PruneAsync(IReadOnlySet<int> keep, CancellationToken cancellationToken)
    {
        var doomed = new List<int>();
        foreach (int epoch in await ListEpochsAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!keep.Contains(epoch))
            {
                doomed.Add(epoch);
            }
        }

        foreach (int epoch in doomed)
        {
            await _store.DeleteAsync(ModelArtifactPaths.CheckpointRecord(_runId, epoch), cancellationToken).ConfigureAwait(false);
            await _store.DeleteAsync(ModelArtifactPaths.Checkpoint(_runId, epoch), cancellationToken).ConfigureAwait(false);
        }
    }

    private static long OptionsLength(Adam optimizer)
    {
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            foreach (OptimizerOptions options in optimizer.state_dict().Options)
            {
                options.SaveStateDict(writer);
            }
        }

        return buffer.Length;
    }

    private async Task<FileStream> DownloadVerifiedAsync(CheckpointRecord record, CancellationToken cancellationToken)
    {
        FileStream file = CreateTemporaryFile();
        byte[] buffer = ArrayPool<byte>.Shared.Rent(CopyBufferBytes);
        try
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            Stream source = await _store.OpenReadAsync(record.Checkpoint, cancellationToken).ConfigureAwait(false);
            await using (source.ConfigureAwait(false))
            {
                long total = 0;
                int read;
                while ((read = await source.ReadAsync(buffer.AsMemory(0, CopyBufferBytes), cancellationToken).ConfigureAwait(false)) > 0)
                {
                    total += read;
                    if (total > record.Size)
                    {
                        throw new InvalidModelArtifactException(record.Checkpoint, $"it is longer than the {record.Size} bytes its record says");
                    }

                    hash.AppendData(buffer, 0, read);
                    await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                }

                if (total != record.Size)
                {
                    throw new InvalidModelArtifactException(record.Checkpoint, $"it is {total} bytes where its record says {record.Size}");
                }
            }

            if (!string.Equals(Convert.ToHexStringLower(hash.GetHashAndReset()), record.Sha256, StringComparison.Ordinal))
            {
                throw new InvalidModelArtifactException(record.Checkpoint, "its SHA-256 differs from its record");
            }

            file.Position = 0;
            return file;
        }
        catch
        {
            await file.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static FileStream CreateTemporaryFile() => new(
        Path.Combine(Path.GetTempPath(), $"recommender-checkpoint-{Guid.NewGuid():N}.tmp"),
        FileMode.CreateNew,
        FileAccess.ReadWrite,
        FileShare.None,
        CopyBufferBytes,
        FileOptions.DeleteOnClose | FileOptions.Asynchronous);
}
