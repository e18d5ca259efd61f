using Azure;
using Azure.Identity;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Recommender.Core.Lookup;
using Recommender.Core.Storage;

namespace Recommender.Functions.Hosting;

/// <summary>
/// Creates the containers and the table the app uses when they are missing (a fresh Azurite, or
/// an account deployed without them), once at start-up rather than on every call. Storage that refuses
/// or cannot be reached is logged, not thrown: an exception here would stop the worker, and on Azure the
/// deployment has already created them while the app's role assignments may still be propagating, so the
/// worker would restart in a loop for minutes. Whatever needs a store that is really missing fails on its own call.
/// </summary>
public sealed partial class StorageInitializer(StorageClients clients, IOptions<StorageOptions> options, ILogger<StorageInitializer> logger) : IHostedService
{
    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await clients.InteractionsContainer.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            await clients.CreateArtifactStore().EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
            await new TableLookupStore(clients.Tables.GetTableClient(options.Value.LookupTable)).EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RequestFailedException or AuthenticationFailedException or AggregateException && !cancellationToken.IsCancellationRequested)
        {
            LogNotCreated(logger, ex, options.Value.InteractionsContainer, options.Value.ArtifactsContainer, options.Value.LookupTable, ex.Message);
        }
    }

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not make sure the containers '{Interactions}' and '{Artifacts}' and the table '{Table}' exist: {Reason}. The app goes on; a call that needs one that is missing fails until it exists.")]
    private static partial void LogNotCreated(ILogger logger, Exception exception, string interactions, string artifacts, string table, string reason);
}
