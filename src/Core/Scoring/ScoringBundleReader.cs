using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Recommender.Core.Models;
using Recommender.Core.Storage;
using Recommender.Core.Training;

namespace Recommender.Core.Scoring;

/// <summary>The item part of a scoring bundle: what every shard of a run needs, read once per worker.</summary>
/// <param name="Header">The bundle's header, checked against the files' sizes.</param>
/// <param name="Factors">Item factor rows, row-major [ItemCount, Dimension].</param>
/// <param name="Ids">External id of each item.</param>
internal sealed record ScoringItems(ScoringBundleHeader Header, float[] Factors, string[] Ids);

/// <summary>The rows of a contiguous range of users, read by byte range from a scoring bundle.</summary>
/// <param name="FirstUser">Dense index of the first user.</param>
/// <param name="Count">Number of users.</param>
/// <param name="Factors">Their factor rows, row-major [Count, Dimension].</param>
/// <param name="Ids">Their external ids.</param>
/// <param name="Seen">Their seen items; row r is user <paramref name="FirstUser"/> + r.</param>
internal sealed record ScoringUsers(int FirstUser, int Count, float[] Factors, string[] Ids, UserItemSets Seen);

/// <summary>
/// Reads a <see cref="ScoringBundle"/>: the header (checked against the files' sizes before any offset
/// is trusted), the item part whole (checked against its SHA-256), and any range of users by byte
/// ranges (checked for structure: offsets in order and in bounds, ids valid UTF-8, seen items sorted
/// and in the catalog). Anything wrong is an <see cref="InvalidModelArtifactException"/> naming the file.
/// </summary>
internal static class ScoringBundleReader
{
    private const int ChunkBytes = 1 << 18;
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Reads and checks a run's bundle header, and that every data file it lists has the size it says.</summary>
    public static async Task<ScoringBundleHeader> ReadHeaderAsync(IArtifactStore store, string runId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        TrainingRun.ValidateRunId(runId, nameof(runId));
        ScoringBundle.EnsureLittleEndian();
        string path = ScoringBundle.HeaderPath(runId);
        ScoringBundleHeader header = await ModelArtifactJson.ReadAsync<ScoringBundleHeader>(store, path, ScoringBundle.MaxHeaderBytes, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidModelArtifactException(path, "it does not exist: the run has no scoring bundle (the prepare-scoring step writes it before the shards run)");
        Validate(header, runId, path);
        foreach (string name in ScoringBundle.DataFiles)
        {
            ScoringBundleFile file = header.FileNamed(name);
            ArtifactInfo? info = await store.GetInfoAsync(ScoringBundle.PathOf(runId, name), cancellationToken).ConfigureAwait(false)
                ?? throw ScoringBundle.Invalid(runId, name, "it does not exist, though header.json lists it");
            if (info.Size != file.Bytes)
            {
                throw ScoringBundle.Invalid(runId, name, $"it is {ScoringBundle.Count(info.Size)} bytes but header.json says {ScoringBundle.Count(file.Bytes)}: the bundle is incomplete or was overwritten");
            }
        }

        return header;
    }

    /// <summary>Reads every item's factors and id, checking both files against their SHA-256.</summary>
    public static async Task<ScoringItems> ReadItemsAsync(IArtifactStore store, ScoringBundleHeader header, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(header);
        using var factorsHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var factors = new float[(long)header.ItemCount * header.Dimension];
        await ReadRangeAsync(store, header.RunId, ScoringBundle.ItemFactors, 0, factors, factorsHash, cancellationToken).ConfigureAwait(false);
        EnsureHash(header, ScoringBundle.ItemFactors, factorsHash);

        using var idsHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        string[] ids = await ReadIdsAsync(store, header, ScoringBundle.ItemIds, header.ItemCount, 0, header.ItemCount, idsHash, cancellationToken).ConfigureAwait(false);
        EnsureHash(header, ScoringBundle.ItemIds, idsHash);
        return new ScoringItems(header, factors, ids);
    }

    /// <summary>Reads the factors, ids and seen items of users [<paramref name="firstUser"/>, <paramref name="endUser"/>) only.</summary>
    public static async Task<ScoringUsers> ReadUsersAsync(IArtifactStore store, ScoringBundleHeader header, int firstUser, int endUser, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(header);
        if (firstUser < 0 || endUser < firstUser || endUser > header.UserCount)
        {
            throw new ArgumentOutOfRangeException(nameof(endUser), $"User range [{firstUser}, {endUser}) is outside the {header.UserCount} users of run '{header.RunId}'.");
        }

        int count = endUser - firstUser;
        var factors = new float[(long)count * header.Dimension];
        await ReadRangeAsync(store, header.RunId, ScoringBundle.UserFactors, (long)firstUser * header.Dimension * sizeof(float), factors, hash: null, cancellationToken).ConfigureAwait(false);
        string[] ids = await ReadIdsAsync(store, header, ScoringBundle.UserIds, header.UserCount, firstUser, endUser, hash: null, cancellationToken).ConfigureAwait(false);
        UserItemSets seen = await ReadSeenAsync(store, header, firstUser, endUser, cancellationToken).ConfigureAwait(false);
        return new ScoringUsers(firstUser, count, factors, ids, seen);
    }

    private static void Validate(ScoringBundleHeader header, string runId, string path)
    {
        if (header.FormatVersion != ScoringBundle.CurrentFormatVersion)
        {
            throw new InvalidModelArtifactException(path, $"format version {header.FormatVersion} is not supported (this code reads {ScoringBundle.CurrentFormatVersion})");
        }

        if (header.RunId != runId)
        {
            throw new InvalidModelArtifactException(path, $"it describes run '{header.RunId}'");
        }

        if (string.IsNullOrWhiteSpace(header.DatasetVersion) || header.Files is null
            || header.UserCount < 0 || header.ItemCount < 1 || !ModelShape.IsScoringDimension(header.Dimension, header.ItemCount)
            || header.SeenCount < 0 || header.SeenCount > (long)header.UserCount * header.ItemCount)
        {
            throw new InvalidModelArtifactException(path, "its dataset version, counts or dimension are missing or out of range");
        }

        foreach (string name in ScoringBundle.DataFiles)
        {
            ScoringBundleFile file = header.FileNamed(name);
            long? expected = ScoringBundle.ExpectedBytes(header, name);
            long minimum = name == ScoringBundle.ItemIds ? ScoringBundle.OffsetsBytes(header.ItemCount)
                : name == ScoringBundle.UserIds ? ScoringBundle.OffsetsBytes(header.UserCount)
                : 0;
            if ((expected is { } bytes && file.Bytes != bytes) || file.Bytes < minimum || string.IsNullOrEmpty(file.Sha256))
            {
                throw new InvalidModelArtifactException(path, $"its entry for '{name}' ({ScoringBundle.Count(file.Bytes)} bytes) does not match its counts and dimension");
            }
        }
    }

    private static void EnsureHash(ScoringBundleHeader header, string name, IncrementalHash hash)
    {
        string actual = Convert.ToHexStringLower(hash.GetCurrentHash());
        if (!string.Equals(actual, header.FileNamed(name).Sha256, StringComparison.OrdinalIgnoreCase))
        {
            throw ScoringBundle.Invalid(header.RunId, name, "its SHA-256 differs from header.json: the file is corrupt or was overwritten");
        }
    }

    /// <summary>Rows [first, end) of an offset-indexed id file of <paramref name="rows"/> rows; a hash, when given, sees the whole file.</summary>
    private static async Task<string[]> ReadIdsAsync(
        IArtifactStore store, ScoringBundleHeader header, string name, int rows, int first, int end, IncrementalHash? hash, CancellationToken cancellationToken)
    {
        var offsets = new long[end - first + 1];
        await ReadRangeAsync(store, header.RunId, name, (long)first * sizeof(long), offsets, hash, cancellationToken).ConfigureAwait(false);
        long textStart = ScoringBundle.OffsetsBytes(rows);
        long textBytes = header.FileNamed(name).Bytes - textStart;
        bool whole = first == 0 && end == rows;
        EnsureOffsets(header.RunId, name, offsets, textBytes, first, whole);
        long length = offsets[^1] - offsets[0];
        if (length > Array.MaxLength)
        {
            throw ScoringBundle.Invalid(header.RunId, name, $"the ids of rows [{first}, {end}) take {ScoringBundle.Count(length)} bytes, more than one array holds");
        }

        var text = new byte[length];
        await ReadRangeAsync(store, header.RunId, name, textStart + offsets[0], text, hash, cancellationToken).ConfigureAwait(false);
        var ids = new string[end - first];
        try
        {
            for (int row = 0; row < ids.Length; row++)
            {
                ids[row] = Utf8.GetString(text, (int)(offsets[row] - offsets[0]), (int)(offsets[row + 1] - offsets[row]));
            }
        }
        catch (DecoderFallbackException ex)
        {
            throw ScoringBundle.Invalid(header.RunId, name, $"an id of rows [{first}, {end}) is not valid UTF-8", ex);
        }

        return ids;
    }

    private static async Task<UserItemSets> ReadSeenAsync(IArtifactStore store, ScoringBundleHeader header, int first, int end, CancellationToken cancellationToken)
    {
        string name = ScoringBundle.SeenItems;
        var offsets = new long[end - first + 1];
        await ReadRangeAsync(store, header.RunId, name, (long)first * sizeof(long), offsets, hash: null, cancellationToken).ConfigureAwait(false);
        EnsureOffsets(header.RunId, name, offsets, header.SeenCount, first, whole: first == 0 && end == header.UserCount);
        long pairs = offsets[^1] - offsets[0];
        if (pairs > Array.MaxLength)
        {
            throw ScoringBundle.Invalid(header.RunId, name, $"users [{first}, {end}) have {ScoringBundle.Count(pairs)} seen items, more than one array holds; score smaller ranges");
        }

        var items = new int[pairs];
        await ReadRangeAsync(store, header.RunId, name, ScoringBundle.OffsetsBytes(header.UserCount) + (offsets[0] * sizeof(int)), items, hash: null, cancellationToken).ConfigureAwait(false);
        var local = new int[offsets.Length];
        for (int row = 0; row < local.Length; row++)
        {
            local[row] = (int)(offsets[row] - offsets[0]);
        }

        try
        {
            return new UserItemSets(local, items, header.ItemCount);
        }
        catch (ArgumentException ex)
        {
            throw ScoringBundle.Invalid(header.RunId, name, $"the seen items of users [{first}, {end}) are not sorted distinct indices below {header.ItemCount} ({ex.Message})", ex);
        }
    }

    private static void EnsureOffsets(string runId, string name, long[] offsets, long total, int first, bool whole)
    {
        if (offsets[0] < 0 || offsets[^1] > total || (whole && (offsets[0] != 0 || offsets[^1] != total)))
        {
            throw ScoringBundle.Invalid(runId, name, $"its offsets from row {first} point outside its {ScoringBundle.Count(total)} values");
        }

        for (int row = 1; row < offsets.Length; row++)
        {
            if (offsets[row] < offsets[row - 1])
            {
                throw ScoringBundle.Invalid(runId, name, $"its offsets decrease at row {first + row - 1}");
            }
        }
    }

    /// <summary>
    /// Fills <paramref name="target"/> from the bytes of a data file at <paramref name="offset"/>, with one range
    /// read; a file that ends early is an error naming it.
    /// </summary>
    private static async Task ReadRangeAsync<T>(
        IArtifactStore store, string runId, string name, long offset, T[] target, IncrementalHash? hash, CancellationToken cancellationToken)
        where T : unmanaged
    {
        int size = Unsafe.SizeOf<T>();
        long length = target.LongLength * size;
        if (length == 0)
        {
            return;
        }

        string path = ScoringBundle.PathOf(runId, name);
        byte[] buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(length, ChunkBytes));
        try
        {
            Stream stream = await store.OpenReadRangeAsync(path, offset, length, cancellationToken).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                // Chunks are whole multiples of the element size (the buffer is), so each one converts on its own.
                int chunk = buffer.Length / size * size;
                long done = 0;
                while (done < length)
                {
                    int bytes = (int)Math.Min(chunk, length - done);
                    try
                    {
                        await stream.ReadExactlyAsync(buffer.AsMemory(0, bytes), cancellationToken).ConfigureAwait(false);
                    }
                    catch (EndOfStreamException ex)
                    {
                        throw ScoringBundle.Invalid(runId, name, $"it ends before byte {ScoringBundle.Count(offset + length)}", ex);
                    }

                    hash?.AppendData(buffer, 0, bytes);
                    CopyInto(buffer.AsSpan(0, bytes), target, done / size);
                    done += bytes;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static void CopyInto<T>(ReadOnlySpan<byte> bytes, T[] target, long start)
        where T : unmanaged =>
        MemoryMarshal.Cast<byte, T>(bytes).CopyTo(target.AsSpan((int)start));
}
