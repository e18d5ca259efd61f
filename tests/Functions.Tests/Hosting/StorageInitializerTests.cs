using Azure.Storage.Blobs;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Recommender.Core.Storage;
using Recommender.Functions.Hosting;
using Recommender.Integration.Tests.Infrastructure;

namespace Recommender.Functions.Tests.Hosting;

/// <summary>What the app does with its storage at start-up: creates what is missing, and never stops the worker over it.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class StorageInitializerTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task StartAsync_OnAFreshAccount_CreatesTheContainersAndTheTable()
    {
        StorageOptions options = azurite.CreateStorageOptions($"init-{Guid.NewGuid():N}"[..20]);
        var initializer = new StorageInitializer(new StorageClients(options), Options.Create(options), new RecordingLogger());

        await initializer.StartAsync(CancellationToken.None);

        var blobs = new BlobServiceClient(azurite.ConnectionString);
        Assert.True(await blobs.GetBlobContainerClient(options.InteractionsContainer).ExistsAsync());
        Assert.True(await blobs.GetBlobContainerClient(options.ArtifactsContainer).ExistsAsync());
        var tables = new Azure.Data.Tables.TableServiceClient(azurite.ConnectionString);
        Assert.Contains(tables.Query(table => table.Name == options.LookupTable), table => table.Name == options.LookupTable);
    }

    [Fact]
    public async Task StartAsync_StorageRefusesTheApp_LogsWhyAndLetsTheWorkerStart()
    {
        // A key the account does not accept: what the app sees while its role assignments are still propagating.
        string wrongKey = Convert.ToBase64String(new byte[64]);
        StorageOptions options = azurite.CreateStorageOptions("init-refused");
        options.ConnectionString = azurite.ConnectionString.Replace(AzuriteFixture.DevelopmentKey, wrongKey, StringComparison.Ordinal);
        var logger = new RecordingLogger();
        var initializer = new StorageInitializer(new StorageClients(options), Options.Create(options), logger);

        await initializer.StartAsync(CancellationToken.None);

        // Each store tried on its own, each failure named.
        Assert.Equal(3, logger.Entries.Count);
        Assert.All(logger.Entries, entry => Assert.Equal(LogLevel.Error, entry.Level));
        Assert.Contains("container 'init-refused-interactions'", logger.Entries[0].Message, StringComparison.Ordinal);
        Assert.Contains("container 'init-refused-artifacts'", logger.Entries[1].Message, StringComparison.Ordinal);
        Assert.Contains("table 'initrefusedrecs'", logger.Entries[2].Message, StringComparison.Ordinal);
        Assert.Contains("the app goes on", logger.Entries[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_StorageUnreachable_LogsWhyAndLetsTheWorkerStart()
    {
        // Nothing listens on this port: every request fails in transport (after the short retries of the test options).
        StorageOptions options = azurite.CreateStorageOptions("init-unreachable");
        options.ConnectionString = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=" + AzuriteFixture.DevelopmentKey
            + ";BlobEndpoint=http://127.0.0.1:9/devstoreaccount1;QueueEndpoint=http://127.0.0.1:9/devstoreaccount1;TableEndpoint=http://127.0.0.1:9/devstoreaccount1;";
        options.MaxRetries = 0;
        var logger = new RecordingLogger();
        var initializer = new StorageInitializer(new StorageClients(options), Options.Create(options), logger);

        await initializer.StartAsync(CancellationToken.None);

        Assert.Equal(3, logger.Entries.Count);
        Assert.All(logger.Entries, entry => Assert.Equal(LogLevel.Error, entry.Level));
    }

    private sealed class RecordingLogger : ILogger<StorageInitializer>
    {
        public List<(LogLevel Level, string Message)> Entries { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Add((logLevel, formatter(state, exception)));
    }
}
