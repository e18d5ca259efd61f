using Recommender.Core.Storage;
using Recommender.Integration.Tests.Infrastructure;

namespace Recommender.Integration.Tests.Storage;

[Trait("Category", "Integration")]
[Collection(AzuriteCollection.Name)]
public sealed class BlobArtifactStoreTests(AzuriteFixture azurite) : ArtifactStoreContract
{
    protected override async Task<IArtifactStore> CreateStoreAsync()
    {
        var clients = new StorageClients(azurite.CreateStorageOptions($"t{Guid.NewGuid():N}"[..20]));
        BlobArtifactStore store = clients.CreateArtifactStore();
        await store.EnsureCreatedAsync();
        return store;
    }
}

public sealed class LocalArtifactStoreTests : ArtifactStoreContract, IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("artifacts-");

    protected override Task<IArtifactStore> CreateStoreAsync() =>
        Task.FromResult<IArtifactStore>(new LocalArtifactStore(Path.Combine(_root.FullName, Guid.NewGuid().ToString("N"))));

    [Fact]
    public async Task WriteAsync_PathEscapingTheRoot_IsRejected()
    {
        var store = new LocalArtifactStore(_root.FullName);

        await Assert.ThrowsAsync<ArgumentException>(() => store.WriteAsync("../outside.txt", new MemoryStream([1])));
    }

    public void Dispose() => _root.Delete(recursive: true);
}
