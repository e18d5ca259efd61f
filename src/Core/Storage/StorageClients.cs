using Azure.Core;
using Azure.Data.Tables;
using Azure.Identity;
using Azure.Storage.Blobs;

namespace Recommender.Core.Storage;

/// <summary>
/// Builds the Blob and Table service clients from <see cref="StorageOptions"/>, with retries
/// and timeouts configured once. Create one per process and share it: clients are thread-safe.
/// </summary>
public sealed class StorageClients
{
    /// <summary>Creates the clients.</summary>
    public StorageClients(StorageOptions options, TokenCredential? credential = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        var blobOptions = new BlobClientOptions();
        var tableOptions = new TableClientOptions();
        Configure(blobOptions.Retry, options);
        Configure(tableOptions.Retry, options);

        if (!string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            Blobs = new BlobServiceClient(options.ConnectionString, blobOptions);
            Tables = new TableServiceClient(options.ConnectionString, tableOptions);
        }
        else
        {
            credential ??= string.IsNullOrWhiteSpace(options.ManagedIdentityClientId)
                ? new DefaultAzureCredential()
                : new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = options.ManagedIdentityClientId });
            Blobs = new BlobServiceClient(new Uri($"https://{options.AccountName}.blob.core.windows.net"), credential, blobOptions);
            Tables = new TableServiceClient(new Uri($"https://{options.AccountName}.table.core.windows.net"), credential, tableOptions);
        }
    }

    /// <summary>The options the clients were built from.</summary>
    public StorageOptions Options { get; }

    /// <summary>Blob service client.</summary>
    public BlobServiceClient Blobs { get; }

    /// <summary>Table service client.</summary>
    public TableServiceClient Tables { get; }

    /// <summary>The container that receives raw logs.</summary>
    public BlobContainerClient InteractionsContainer => Blobs.GetBlobContainerClient(Options.InteractionsContainer);

    /// <summary>The artifact store over the artifacts container.</summary>
    public BlobArtifactStore CreateArtifactStore() => new(Blobs.GetBlobContainerClient(Options.ArtifactsContainer));

    private static void Configure(RetryOptions retry, StorageOptions options)
    {
        retry.Mode = RetryMode.Exponential;
        retry.MaxRetries = options.MaxRetries;
        retry.Delay = options.RetryDelay;
        retry.MaxDelay = TimeSpan.FromSeconds(30);
        retry.NetworkTimeout = options.NetworkTimeout;
    }
}
