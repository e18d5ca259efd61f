using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Recommender.Core.Lookup;
using Recommender.Core.Storage;

namespace Recommender.Functions.Hosting;

/// <summary>
/// Creates the containers and the table the app uses when they are missing (a fresh Azurite, or
/// an account deployed without them), once at start-up rather than on every call.
/// </summary>
public sealed class StorageInitializer(StorageClients clients, IOptions<StorageOptions> options) : IHostedService
{
    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await clients.InteractionsContainer.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        await clients.CreateArtifactStore().EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        await new TableLookupStore(clients.Tables.GetTableClient(options.Value.LookupTable)).EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
