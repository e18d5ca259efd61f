using Recommender.Core.Storage;

namespace Recommender.Core.Tests.Training;

/// <summary>A <see cref="LocalArtifactStore"/> in a fresh temporary folder, deleted on dispose.</summary>
internal sealed class TemporaryStore : IDisposable
{
    public TemporaryStore()
    {
        Root = Path.Combine(Path.GetTempPath(), $"recommender-training-{Guid.NewGuid():N}");
        Store = new LocalArtifactStore(Root);
    }

    public string Root { get; }

    public LocalArtifactStore Store { get; }

    public string FullPath(string path) => Store.GetFullPath(path);

    public void Dispose()
    {
        if (Directory.Exists(Root))
        {
            Directory.Delete(Root, recursive: true);
        }
    }
}
