using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Recommender.Core.Lookup;
using Recommender.Core.Storage;

namespace Recommender.Functions.Hosting;

/// <summary>
/// Creates the containers and the table the app uses when they are missing (a fresh Azurite, or
/// an account deployed without them), once at start-up rather than on every call. A store that refuses,
/// throttles or cannot be reached is logged, not thrown: an exception here would stop the worker, and on
/// Azure the deployment has already created them while the app's role assignments may still be propagating,
/// so the worker would restart in a loop for minutes. Each store is tried on its own; whatever needs one
/// that is really missing fails on its own call.
/// </summary>
public sealed partial class StorageInitializer(StorageClients clients, IOptions<StorageOptions> options, ILogger<StorageInitializer> logger) : IHostedService
{
    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        StorageOptions storage = options.Value;
        await EnsureAsync($"container '{storage.InteractionsContainer}'", token => clients.InteractionsContainer.CreateIfNotExistsAsync(cancellationToken: token), cancellationToken).ConfigureAwait(false);
        await EnsureAsync($"container '{storage.ArtifactsContainer}'", token => clients.CreateArtifactStore().EnsureCreatedAsync(token), cancellationToken).ConfigureAwait(false);
        await EnsureAsync(
            $"table '{storage.LookupTable}'",
            token => new TableLookupStore(clients.Tables.GetTableClient(storage.LookupTable)).EnsureCreatedAsync(token),
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task EnsureAsync(string what, Func<CancellationToken, Task> create, CancellationToken cancellationToken)
    {
        try
        {
            await create(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!(ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            LogNotCreated(logger, ex, what);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not make sure the {Store} exists; the app goes on, and a call that needs it fails until it exists")]
    private static partial void LogNotCreated(ILogger logger, Exception exception, string store);
}
