using Recommender.Core.Pipeline;
using Recommender.Core.Storage;
using Recommender.Core.Tests.TestSupport;

namespace Recommender.Core.Tests.Pipeline;

public sealed class ArtifactStoreLogSourceTests : IDisposable
{
    private readonly TempDirectory _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData("", new[] { "logs/a.parquet", "logs/day/b.parquet", "logs_x/c.parquet" })]
    [InlineData("logs/", new[] { "logs/a.parquet", "logs/day/b.parquet" })]
    [InlineData("logs", new[] { "logs/a.parquet", "logs/day/b.parquet", "logs_x/c.parquet" })]
    public async Task ListAsync_UnderAPrefix_GivesParquetBlobsButHiddenAndSparkWorkingFiles(string prefix, string[] expected)
    {
        var store = new LocalArtifactStore(_folder.FullPath);
        foreach (string path in new[]
        {
            "logs/a.parquet", "logs/day/b.parquet", "logs_x/c.parquet", "logs/notes.txt",
            "logs/_temporary/0/part-1.parquet", "logs/_SUCCESS.parquet", "logs/.partial.parquet",
        })
        {
            using var content = new MemoryStream([1, 2, 3]);
            await store.WriteAsync(path, content, null);
        }

        var listed = new List<string>();
        await foreach (InteractionLogFile file in new ArtifactStoreLogSource(store, prefix).ListAsync())
        {
            listed.Add(file.Name);
        }

        Assert.Equal(expected, listed.Order(StringComparer.Ordinal));
    }
}
