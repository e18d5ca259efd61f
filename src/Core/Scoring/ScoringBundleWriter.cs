using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Recommender.Core.Models;
using Recommender.Core.Storage;
using Recommender.Core.Training;

namespace Recommender.Core.Scoring;

/// <summary>
/// Writes a run's <see cref="ScoringBundle"/> once, before the shards: each file streams straight
/// from the arrays into the store (no second copy in memory), hashed on the way; the header goes last.
/// </summary>
internal static class ScoringBundleWriter
{
    private const int ChunkBytes = 1 << 18;
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Writes the bundle of <paramref name="model"/> with the seen items of <paramref name="datasetVersion"/> and returns its header.</summary>
    public static Task<ScoringBundleHeader> WriteAsync(IArtifactStore store, TrainedModel model, string datasetVersion, UserItemSets seen, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        return WriteAsync(store, model.Manifest.RunId, model.Manifest.BestEpoch, datasetVersion, model.Factors, model.UserIds, model.ItemIds, seen, cancellationToken);
    }

    /// <summary>Writes the bundle of run <paramref name="runId"/> from its factors, external ids and seen items, and returns its header.</summary>
    public static async Task<ScoringBundleHeader> WriteAsync(
        IArtifactStore store,
        string runId,
        int bestEpoch,
        string datasetVersion,
        FactorSnapshot factors,
        IReadOnlyList<string> userIds,
        IReadOnlyList<string> itemIds,
        UserItemSets seen,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        TrainingRun.ValidateRunId(runId, nameof(runId));
        ArgumentException.ThrowIfNullOrWhiteSpace(datasetVersion);
        ArgumentNullException.ThrowIfNull(factors);
        ArgumentNullException.ThrowIfNull(userIds);
        ArgumentNullException.ThrowIfNull(itemIds);
        ArgumentNullException.ThrowIfNull(seen);
        ScoringBundle.EnsureLittleEndian();
        if (seen.UserCount != factors.UserCount || seen.ItemCount != factors.ItemCount
            || userIds.Count != factors.UserCount || itemIds.Count != factors.ItemCount
            || factors.UserFactors.LongLength != (long)factors.UserCount * factors.Dimension
            || factors.ItemFactors.LongLength != (long)factors.ItemCount * factors.Dimension)
        {
            throw new ArgumentException(
                $"Run '{runId}' has factors of {factors.UserCount} users and {factors.ItemCount} items, but its ids ({userIds.Count}, {itemIds.Count}), factor arrays or the seen items ({seen.UserCount}, {seen.ItemCount}) of dataset '{datasetVersion}' do not match.",
                nameof(seen));
        }

        var files = new List<ScoringBundleFile>
        {
            await WriteFileAsync(store, runId, ScoringBundle.ItemFactors, (output, ct) => output.WriteAsync(factors.ItemFactors, ct), cancellationToken).ConfigureAwait(false),
            await WriteFileAsync(store, runId, ScoringBundle.ItemIds, (output, ct) => WriteIdsAsync(output, itemIds, ct), cancellationToken).ConfigureAwait(false),
            await WriteFileAsync(store, runId, ScoringBundle.UserFactors, (output, ct) => output.WriteAsync(factors.UserFactors, ct), cancellationToken).ConfigureAwait(false),
            await WriteFileAsync(store, runId, ScoringBundle.UserIds, (output, ct) => WriteIdsAsync(output, userIds, ct), cancellationToken).ConfigureAwait(false),
            await WriteFileAsync(store, runId, ScoringBundle.SeenItems, (output, ct) => WriteSeenAsync(output, seen, ct), cancellationToken).ConfigureAwait(false),
        };
        var header = new ScoringBundleHeader(
            ScoringBundle.CurrentFormatVersion,
            runId,
            datasetVersion,
            bestEpoch,
            factors.UserCount,
            factors.ItemCount,
            factors.Dimension,
            seen.PairCount,
            files);
        await ModelArtifactJson.WriteAsync(store, ScoringBundle.HeaderPath(runId), header, cancellationToken).ConfigureAwait(false);
        return header;
    }

    private static async Task WriteIdsAsync(FileOutput output, IReadOnlyList<string> ids, CancellationToken cancellationToken)
    {
        var offsets = new long[ids.Count + 1];
        for (int row = 0; row < ids.Count; row++)
        {
            offsets[row + 1] = offsets[row] + Utf8.GetByteCount(ids[row]);
        }

        await output.WriteAsync(offsets, cancellationToken).ConfigureAwait(false);
        for (int row = 0; row < ids.Count; row++)
        {
            output.AppendText(ids[row]);
            await output.FlushWhenFullAsync(cancellationToken).ConfigureAwait(false);
        }

        await output.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task WriteSeenAsync(FileOutput output, UserItemSets seen, CancellationToken cancellationToken)
    {
        var offsets = new long[seen.UserCount + 1];
        for (int user = 0; user < seen.UserCount; user++)
        {
            offsets[user + 1] = offsets[user] + seen.CountOf(user);
        }

        await output.WriteAsync(offsets, cancellationToken).ConfigureAwait(false);
        for (int user = 0; user < seen.UserCount; user++)
        {
            output.Append(MemoryMarshal.AsBytes(seen.ItemsOf(user)));
            await output.FlushWhenFullAsync(cancellationToken).ConfigureAwait(false);
        }

        await output.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Streams what <paramref name="produce"/> writes into the store through a pipe: the store reads while
    /// the producer writes, so no file is ever whole in memory. A failure on either side ends the other.
    /// </summary>
    private static async Task<ScoringBundleFile> WriteFileAsync(
        IArtifactStore store, string runId, string name, Func<FileOutput, CancellationToken, Task> produce, CancellationToken cancellationToken)
    {
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 4 * ChunkBytes, resumeWriterThreshold: 2 * ChunkBytes, useSynchronizationContext: false));
        using var output = new FileOutput(pipe.Writer);
        Task producing = Task.Run(async () =>
        {
            try
            {
                await produce(output, cancellationToken).ConfigureAwait(false);
                await pipe.Writer.CompleteAsync().ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                await pipe.Writer.CompleteAsync(ex).ConfigureAwait(false);
            }
        },
        CancellationToken.None); // Always starts, so the pipe's writer is always completed and the store never waits forever.
        try
        {
            Stream content = pipe.Reader.AsStream();
            await using (content.ConfigureAwait(false))
            {
                await store.WriteAsync(ScoringBundle.PathOf(runId, name), content, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            await pipe.Reader.CompleteAsync().ConfigureAwait(false);
            await producing.ConfigureAwait(false);
        }

        return new ScoringBundleFile(name, output.Bytes, output.Sha256());
    }

    /// <summary>The producer's side of one file: appends bytes to the pipe, hashing and counting them.</summary>
    private sealed class FileOutput(PipeWriter writer) : IDisposable
    {
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private long _unflushed;

        public long Bytes { get; private set; }

        public async Task WriteAsync<T>(T[] values, CancellationToken cancellationToken)
            where T : unmanaged
        {
            int perChunk = ChunkBytes / Unsafe.SizeOf<T>();
            for (long start = 0; start < values.LongLength; start += perChunk)
            {
                AppendValues(values, (int)start, (int)Math.Min(perChunk, values.LongLength - start));
                await FlushAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        public void AppendText(string text)
        {
            Span<byte> target = writer.GetSpan(Utf8.GetMaxByteCount(text.Length));
            int written = Utf8.GetBytes(text, target);
            Record(target[..written]);
            writer.Advance(written);
        }

        public void Append(ReadOnlySpan<byte> bytes)
        {
            Span<byte> target = writer.GetSpan(bytes.Length);
            bytes.CopyTo(target);
            Record(bytes);
            writer.Advance(bytes.Length);
        }

        public async Task FlushWhenFullAsync(CancellationToken cancellationToken)
        {
            if (_unflushed >= ChunkBytes)
            {
                await FlushAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        public async Task FlushAsync(CancellationToken cancellationToken)
        {
            _unflushed = 0;
            FlushResult result = await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
            if (result.IsCompleted || result.IsCanceled)
            {
                throw new IOException("The artifact store stopped reading the scoring bundle file.");
            }
        }

        public string Sha256() => Convert.ToHexStringLower(_hash.GetCurrentHash());

        public void Dispose() => _hash.Dispose();

        private void AppendValues<T>(T[] values, int start, int count)
            where T : unmanaged =>
            Append(MemoryMarshal.AsBytes(values.AsSpan(start, count)));

        private void Record(ReadOnlySpan<byte> bytes)
        {
            _hash.AppendData(bytes);
            Bytes += bytes.Length;
            _unflushed += bytes.Length;
        }
    }
}
