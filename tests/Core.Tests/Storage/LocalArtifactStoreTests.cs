using Recommender.Core.Storage;

namespace Recommender.Core.Tests.Storage;

/// <summary>The embedded store keeps no trace of what was deleted, as a blob container keeps none.</summary>
public sealed class LocalArtifactStoreTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "store-" + Guid.NewGuid().ToString("N"));

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task DeleteUnderAsync_RunFolder_LeavesNoEmptyFoldersButKeepsTheTopLevelOneAndItsOtherRuns()
    {
        var store = new LocalArtifactStore(_root);
        await WriteAsync(store, "models/run.candidate/checkpoints/epoch-0001.ckpt");
        await WriteAsync(store, "models/run.candidate/model.json");
        await WriteAsync(store, "models/run/model.json");

        int deleted = await store.DeleteUnderAsync("models/run.candidate/");

        Assert.Equal(2, deleted);
        Assert.False(Directory.Exists(Path.Combine(_root, "models", "run.candidate")));
        Assert.True(File.Exists(Path.Combine(_root, "models", "run", "model.json")));

        await store.DeleteUnderAsync("models/run/");

        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(_root, "models")));
    }

    private static async Task WriteAsync(LocalArtifactStore store, string path)
    {
        using var content = new MemoryStream([1, 2, 3]);
        await store.WriteAsync(path, content);
    }
}
