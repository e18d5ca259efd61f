using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using Recommender.Core.Ingestion;
using Recommender.Core.Storage;

namespace Recommender.Core.Pipeline;

/// <summary>One raw interaction log: its name as shown to people, size and version tag.</summary>
public sealed record InteractionLogFile(string Name, long Size, string ETag);

/// <summary>
/// Where raw interaction logs come from: local files for the CLI, a blob container for the
/// Functions app. Sources are read-only: the pipeline never modifies or deletes a raw upload.
/// </summary>
public interface IInteractionLogSource
{
    /// <summary>Every log file, in ordinal name order.</summary>
    IAsyncEnumerable<InteractionLogFile> ListAsync(CancellationToken cancellationToken = default);

    /// <summary>Opens a log for reading (seekable: Parquet readers start at the footer).</summary>
    Task<Stream> OpenReadAsync(InteractionLogFile file, CancellationToken cancellationToken = default);
}

/// <summary>Helpers over log sources.</summary>
public static class InteractionLogSourceExtensions
{
    /// <summary>
    /// A fingerprint of the source's current contents (names, sizes, ETags): equal fingerprints
    /// mean nothing changed, so a scheduled or repeated trigger can skip the run.
    /// </summary>
    public static async Task<string> FingerprintAsync(this IInteractionLogSource source, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await foreach (InteractionLogFile file in source.ListAsync(cancellationToken).ConfigureAwait(false))
        {
            hash.AppendData(Encoding.UTF8.GetBytes($"{file.Name}\n{file.Size}\n{file.ETag}\n"));
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}

/// <summary>Logs given as local files (already expanded from folders and globs).</summary>
public sealed class LocalFileLogSource : IInteractionLogSource
{
    private readonly IReadOnlyList<string> _files;

    /// <summary>Creates a source over <paramref name="files"/>.</summary>
    public LocalFileLogSource(IEnumerable<string> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        _files = files.Select(Path.GetFullPath).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<InteractionLogFile> ListAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        foreach (string path in _files)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                throw new FileNotFoundException($"Interaction log '{path}' does not exist.", path);
            }

            yield return new InteractionLogFile(path, info.Length, $"{info.LastWriteTimeUtc.Ticks:x}-{info.Length:x}");
        }
    }

    /// <inheritdoc />
    public Task<Stream> OpenReadAsync(InteractionLogFile file, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(file);
        return Task.FromResult<Stream>(new FileStream(file.Name, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true));
    }
}

/// <summary>
/// Logs stored under a prefix of an artifact store (the interactions blob container in Azure): every <c>*.parquet</c>
/// but those <see cref="InteractionLogFiles.IsSkippedInWalk"/> leaves out (hidden, Spark's <c>_temporary/</c>).
/// </summary>
public sealed class ArtifactStoreLogSource(IArtifactStore store, string prefix = "") : IInteractionLogSource
{
    /// <inheritdoc />
    public async IAsyncEnumerable<InteractionLogFile> ListAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (ArtifactInfo info in store.ListAsync(prefix, cancellationToken).ConfigureAwait(false))
        {
            if (info.Path.EndsWith(InteractionLogFiles.Extension, StringComparison.OrdinalIgnoreCase) && !InteractionLogFiles.IsSkippedInWalk(info.Path[(prefix.LastIndexOf('/') + 1)..]))
            {
                yield return new InteractionLogFile(info.Path, info.Size, info.ETag);
            }
        }
    }

    /// <inheritdoc />
    public Task<Stream> OpenReadAsync(InteractionLogFile file, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(file);
        return store.OpenReadAsync(file.Name, cancellationToken);
    }
}
