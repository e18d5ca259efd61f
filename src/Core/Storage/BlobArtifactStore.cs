using System.Runtime.CompilerServices;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace Recommender.Core.Storage;

/// <summary>
/// <see cref="IArtifactStore"/> on an Azure Blob Storage container. Uploads are single
/// commits (a reader never sees a partial blob), ETag conditions map to blob request
/// conditions, and storage errors become the store's exceptions with the original kept inside.
/// Retries are configured on the client (see <see cref="StorageClients"/>).
/// </summary>
public sealed class BlobArtifactStore : IArtifactStore
{
    private readonly BlobContainerClient _container;

    /// <summary>Creates a store over <paramref name="container"/>, which must exist or be creatable.</summary>
    public BlobArtifactStore(BlobContainerClient container)
    {
        ArgumentNullException.ThrowIfNull(container);
        _container = container;
    }

    /// <summary>The container's name.</summary>
    public string ContainerName => _container.Name;

    /// <summary>Creates the container when it does not exist yet.</summary>
    public async Task EnsureCreatedAsync(CancellationToken cancellationToken = default) =>
        await Call("(container)", () => _container.CreateIfNotExistsAsync(cancellationToken: cancellationToken)).ConfigureAwait(false);

    /// <inheritdoc />
    public async Task<Stream> OpenReadAsync(string path, CancellationToken cancellationToken = default)
    {
        BlobClient blob = _container.GetBlobClient(Normalize(path));
        // A seekable stream that fetches ranges on demand: Parquet readers jump to the footer first.
        return await Call(path, () => blob.OpenReadAsync(new BlobOpenReadOptions(allowModifications: false), cancellationToken)).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<Stream> OpenReadRangeAsync(string path, long offset, long length, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        BlobClient blob = _container.GetBlobClient(Normalize(path));
        if (length == 0)
        {
            // An empty HTTP range does not exist; only the blob's existence is checked.
            await Call(path, () => blob.GetPropertiesAsync(cancellationToken: cancellationToken)).ConfigureAwait(false);
            return new MemoryStream([], writable: false);
        }

        try
        {
            // One ranged GET that transfers exactly the slice (the OpenReadAsync stream would fetch 4 MB blocks).
            var options = new BlobDownloadOptions { Range = new HttpRange(offset, length) };
            Response<BlobDownloadStreamingResult> response = await Call(path, () => blob.DownloadStreamingAsync(options, cancellationToken)).ConfigureAwait(false);
            return response.Value.Content;
        }
        catch (RequestFailedException ex) when (ex.Status == 416 || ex.ErrorCode == BlobErrorCode.InvalidRange)
        {
            // The range starts at or past the end: like a file, the blob has nothing more to give.
            return new MemoryStream([], writable: false);
        }
    }

    /// <inheritdoc />
    public async Task<string> WriteAsync(string path, Stream content, WriteCondition? condition = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        BlobClient blob = _container.GetBlobClient(Normalize(path));
        var options = new BlobUploadOptions { Conditions = ToConditions(condition) };
        Response<BlobContentInfo> response = await Call(path, () => blob.UploadAsync(content, options, cancellationToken)).ConfigureAwait(false);
        return response.Value.ETag.ToString();
    }

    /// <inheritdoc />
    public async Task<ArtifactInfo?> GetInfoAsync(string path, CancellationToken cancellationToken = default)
    {
        BlobClient blob = _container.GetBlobClient(Normalize(path));
        try
        {
            Response<BlobProperties> properties = await Call(path, () => blob.GetPropertiesAsync(cancellationToken: cancellationToken)).ConfigureAwait(false);
            return new ArtifactInfo(blob.Name, properties.Value.ContentLength, properties.Value.ETag.ToString(), properties.Value.LastModified);
        }
        catch (ArtifactNotFoundException)
        {
            return null;
        }
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ArtifactInfo> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        string normalized = prefix.Replace('\\', '/').TrimStart('/');
        var pages = _container.GetBlobsAsync(new GetBlobsOptions { Prefix = normalized }, cancellationToken).AsPages();
        await using IAsyncEnumerator<Page<BlobItem>> enumerator = pages.GetAsyncEnumerator(cancellationToken);
        while (await Call(prefix, async () => await enumerator.MoveNextAsync().ConfigureAwait(false)).ConfigureAwait(false))
        {
            foreach (BlobItem item in enumerator.Current.Values)
            {
                yield return new ArtifactInfo(
                    item.Name,
                    item.Properties.ContentLength ?? 0,
                    item.Properties.ETag?.ToString() ?? string.Empty,
                    item.Properties.LastModified ?? DateTimeOffset.MinValue);
            }
        }
    }

    /// <inheritdoc />
    public async Task<bool> DeleteAsync(string path, CancellationToken cancellationToken = default)
    {
        BlobClient blob = _container.GetBlobClient(Normalize(path));
        Response<bool> response = await Call(path, () => blob.DeleteIfExistsAsync(cancellationToken: cancellationToken)).ConfigureAwait(false);
        return response.Value;
    }

    private static BlobRequestConditions? ToConditions(WriteCondition? condition) => condition switch
    {
        null => null,
        { MustNotExist: true } => new BlobRequestConditions { IfNoneMatch = ETag.All },
        { ETag: { } etag } => new BlobRequestConditions { IfMatch = new ETag(etag) },
        _ => null,
    };

    private static async Task<T> Call<T>(string path, Func<Task<T>> operation)
    {
        try
        {
            return await operation().ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status == 404 || ex.ErrorCode == BlobErrorCode.BlobNotFound || ex.ErrorCode == BlobErrorCode.ContainerNotFound)
        {
            throw new ArtifactNotFoundException(path, ex);
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412 || ex.ErrorCode == BlobErrorCode.BlobAlreadyExists || ex.ErrorCode == BlobErrorCode.ConditionNotMet)
        {
            throw new ArtifactConflictException(path, ex);
        }
        catch (RequestFailedException ex) when (ex.Status is 0 or 408 or 429 or >= 500)
        {
            throw new ArtifactStoreUnavailableException($"Blob storage did not complete the request for '{path}' (status {ex.Status}).", ex);
        }
    }

    private static string Normalize(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string normalized = path.Replace('\\', '/').TrimStart('/');
        if (normalized.Split('/').Any(segment => segment is ".." or "."))
        {
            throw new ArgumentException($"Artifact path '{path}' must not contain '.' or '..' segments.", nameof(path));
        }

        return normalized;
    }
}
