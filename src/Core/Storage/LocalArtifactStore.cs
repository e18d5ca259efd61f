using System.Globalization;
using System.Runtime.CompilerServices;

namespace Recommender.Core.Storage;

/// <summary>
/// <see cref="IArtifactStore"/> over a local folder: the embedded default of the CLI and of tests.
/// Writes go to a temporary file that is renamed into place, so readers never see a partial artifact.
/// </summary>
public sealed class LocalArtifactStore : IArtifactStore
{
    private const string TemporarySuffix = ".partial";
    private readonly string _root;
    private readonly Lock _conditionalWrites = new();

    /// <summary>Creates a store rooted at <paramref name="rootDirectory"/> (created when missing).</summary>
    public LocalArtifactStore(string rootDirectory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(rootDirectory);
        _root = Path.GetFullPath(rootDirectory);
        Directory.CreateDirectory(_root);
    }

    /// <summary>The folder that holds the artifacts.</summary>
    public string RootDirectory => _root;

    /// <summary>The local file behind an artifact path (for tools that need a file, such as DuckDB).</summary>
    public string GetFullPath(string path) => Resolve(path);

    /// <inheritdoc />
    public Task<Stream> OpenReadAsync(string path, CancellationToken cancellationToken = default)
    {
        string file = Resolve(path);
        try
        {
            Stream stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1 << 16, useAsync: true);
            return Task.FromResult(stream);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ArtifactNotFoundException(path, ex);
        }
    }

    /// <inheritdoc />
    public Task<Stream> OpenReadRangeAsync(string path, long offset, long length, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        string file = Resolve(path);
        FileStream stream;
        try
        {
            // A small buffer for a small range: the file system reads what the range needs, not 64 KB around it.
            stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, (int)Math.Clamp(length, 1, 1 << 16), useAsync: true);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ArtifactNotFoundException(path, ex);
        }

        stream.Seek(Math.Min(offset, stream.Length), SeekOrigin.Begin);
        return Task.FromResult<Stream>(new ArtifactRangeStream(stream, length));
    }

    /// <inheritdoc />
    public async Task<string> WriteAsync(string path, Stream content, WriteCondition? condition = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        string file = Resolve(path);
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        string temporary = $"{file}.{Guid.NewGuid():N}{TemporarySuffix}";
        try
        {
            await using (var output = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
            {
                await content.CopyToAsync(output, cancellationToken).ConfigureAwait(false);
                await output.FlushAsync(cancellationToken).ConfigureAwait(false);
            }

            if (condition is null)
            {
                File.Move(temporary, file, overwrite: true);
            }
            else
            {
                lock (_conditionalWrites)
                {
                    MoveIfConditionHolds(path, temporary, file, condition);
                }
            }

            return ETagOf(new FileInfo(file));
        }
        finally
        {
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }
        }
    }

    /// <inheritdoc />
    public Task<ArtifactInfo?> GetInfoAsync(string path, CancellationToken cancellationToken = default)
    {
        var info = new FileInfo(Resolve(path));
        return Task.FromResult(info.Exists ? ToArtifactInfo(info) : null);
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ArtifactInfo> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        string normalizedPrefix = Normalize(prefix, allowEmpty: true);
        string searchRoot = _root;
        int lastSlash = normalizedPrefix.LastIndexOf('/');
        if (lastSlash >= 0)
        {
            searchRoot = Path.Combine(_root, normalizedPrefix[..lastSlash]);
        }

        if (!Directory.Exists(searchRoot))
        {
            yield break;
        }

        var matches = Directory.EnumerateFiles(searchRoot, "*", SearchOption.AllDirectories)
            .Where(file => !file.EndsWith(TemporarySuffix, StringComparison.Ordinal))
            .Select(file => new FileInfo(file))
            .Select(ToArtifactInfo)
            .Where(info => info.Path.StartsWith(normalizedPrefix, StringComparison.Ordinal))
            .OrderBy(info => info.Path, StringComparer.Ordinal);
        foreach (ArtifactInfo info in matches)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return info;
        }
    }

    /// <inheritdoc />
    public Task<bool> DeleteAsync(string path, CancellationToken cancellationToken = default)
    {
        string file = Resolve(path);
        if (!File.Exists(file))
        {
            return Task.FromResult(false);
        }

        File.Delete(file);
        RemoveEmptyFolders(Path.GetDirectoryName(file)!);
        return Task.FromResult(true);
    }

    /// <summary>
    /// Removes <paramref name="folder"/> and the folders above it that deleting left empty, as a blob container has no
    /// folders to leave behind; the store's top-level folders (<c>models/</c>, <c>datasets/</c>) stay, so a writer
    /// starting a new folder in one never races with its removal.
    /// </summary>
    private void RemoveEmptyFolders(string folder)
    {
        for (string? current = folder;
            current is not null && Path.GetDirectoryName(current) is { } parent && parent.Length > _root.Length;
            current = parent)
        {
            try
            {
                if (Directory.EnumerateFileSystemEntries(current).Any())
                {
                    return;
                }

                Directory.Delete(current);
            }
            catch (IOException)
            {
                // Something was written there meanwhile (or the folder is already gone): it stays as it is.
                return;
            }
        }
    }

    private static void MoveIfConditionHolds(string path, string temporary, string file, WriteCondition condition)
    {
        var current = new FileInfo(file);
        if (condition.MustNotExist && current.Exists)
        {
            throw new ArtifactConflictException(path);
        }

        if (condition.ETag is not null && (!current.Exists || ETagOf(current) != condition.ETag))
        {
            throw new ArtifactConflictException(path);
        }

        try
        {
            File.Move(temporary, file, overwrite: !condition.MustNotExist);
        }
        catch (IOException ex) when (File.Exists(file))
        {
            throw new ArtifactConflictException(path, ex);
        }
    }

    private ArtifactInfo ToArtifactInfo(FileInfo info) =>
        new(Path.GetRelativePath(_root, info.FullName).Replace('\\', '/'), info.Length, ETagOf(info), info.LastWriteTimeUtc);

    private static string ETagOf(FileInfo info) =>
        string.Create(CultureInfo.InvariantCulture, $"\"{info.LastWriteTimeUtc.Ticks:x}-{info.Length:x}\"");

    private string Resolve(string path)
    {
        string relative = Normalize(path, allowEmpty: false);
        string full = Path.GetFullPath(Path.Combine(_root, relative));
        if (!full.StartsWith(_root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new ArgumentException($"Artifact path '{path}' leaves the store.", nameof(path));
        }

        return full;
    }

    private static string Normalize(string path, bool allowEmpty)
    {
        ArgumentNullException.ThrowIfNull(path);
        string normalized = path.Replace('\\', '/').TrimStart('/');
        if (!allowEmpty && normalized.Length == 0)
        {
            throw new ArgumentException("Artifact path is empty.", nameof(path));
        }

        if (normalized.Split('/').Any(segment => segment == ".."))
        {
            throw new ArgumentException($"Artifact path '{path}' must not contain '..'.", nameof(path));
        }

        return normalized;
    }
}
