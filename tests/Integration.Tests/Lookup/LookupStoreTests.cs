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
