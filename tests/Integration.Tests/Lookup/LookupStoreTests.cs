using Recommender.Core.Lookup;
using Recommender.Core.Storage;
using Recommender.Integration.Tests.Infrastructure;

namespace Recommender.Integration.Tests.Lookup;

[Trait("Category", "Integration")]
[Collection(AzuriteCollection.Name)]
public sealed class TableLookupStoreTests(AzuriteFixture azurite) : LookupStoreContract
{
    protected override async Task<ILookupStore> CreateStoreAsync()
    {
        var clients = new StorageClients(azurite.CreateStorageOptions($"t{Guid.NewGuid():N}"[..20]));
        var store = new TableLookupStore(clients.Tables.GetTableClient(clients.Options.LookupTable));
        await store.EnsureCreatedAsync();
        return store;
    }
}

/// <summary>The embedded store of the CLI, held to the same contract as the Table store.</summary>
public sealed class SqliteLookupStoreTests : LookupStoreContract, IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("lookup-contract-").FullName;
    private readonly List<SqliteLookupStore> _stores = [];

    public void Dispose()
    {
        foreach (SqliteLookupStore store in _stores)
        {
            store.Dispose();
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    protected override Task<ILookupStore> CreateStoreAsync()
    {
        var store = new SqliteLookupStore(Path.Combine(_folder, $"{Guid.NewGuid():N}.db"));
        _stores.Add(store);
        return Task.FromResult<ILookupStore>(store);
    }
}
