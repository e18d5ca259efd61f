using System.Text;
using Recommender.Core.Storage;

namespace Recommender.Integration.Tests.Storage;

/// <summary>What every artifact store must do, run against each implementation.</summary>
public abstract class ArtifactStoreContract
{
    protected abstract Task<IArtifactStore> CreateStoreAsync();

    [Fact]
    public async Task WriteAsync_ThenOpenRead_ReturnsSameBytes()
    {
        IArtifactStore store = await CreateStoreAsync();

        await store.WriteAsync("models/run-1/model.json", Text("{\"kind\":\"bpr\"}"));

        Assert.Equal("{\"kind\":\"bpr\"}", await ReadTextAsync(store, "models/run-1/model.json"));
    }

    [Fact]
    public async Task OpenReadAsync_MissingArtifact_ThrowsNotFoundNamingPath()
    {
        IArtifactStore store = await CreateStoreAsync();

        var error = await Assert.ThrowsAsync<ArtifactNotFoundException>(async () => await (await store.OpenReadAsync("nope/missing.bin")).DisposeAsync());

        Assert.Contains("nope/missing.bin", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WriteAsync_IfNotExistsOnExistingArtifact_ThrowsConflictAndKeepsOriginal()
    {
        IArtifactStore store = await CreateStoreAsync();
        await store.WriteAsync("a/b.txt", Text("first"));

        await Assert.ThrowsAsync<ArtifactConflictException>(() => store.WriteAsync("a/b.txt", Text("second"), WriteCondition.IfNotExists));

        Assert.Equal("first", await ReadTextAsync(store, "a/b.txt"));
    }

    [Fact]
    public async Task WriteAsync_IfMatchWithCurrentETag_ReplacesAndStaleETagConflicts()
    {
        IArtifactStore store = await CreateStoreAsync();
        string first = await store.WriteAsync("pointer.json", Text("v1"));
        await Task.Delay(20);

        string second = await store.WriteAsync("pointer.json", Text("v2"), WriteCondition.IfMatch(first));

        Assert.NotEqual(first, second);
        await Assert.ThrowsAsync<ArtifactConflictException>(() => store.WriteAsync("pointer.json", Text("v3"), WriteCondition.IfMatch(first)));
        Assert.Equal("v2", await ReadTextAsync(store, "pointer.json"));
    }

    [Fact]
    public async Task ListAsync_Prefix_ReturnsOnlyMatchingPathsInOrdinalOrder()
    {
        IArtifactStore store = await CreateStoreAsync();
        await store.WriteAsync("models/r2/checkpoints/epoch-0002.ckpt", Text("2"));
        await store.WriteAsync("models/r2/checkpoints/epoch-0001.ckpt", Text("1"));
        await store.WriteAsync("models/r20/model.json", Text("x"));
        await store.WriteAsync("datasets/d/manifest.json", Text("m"));

        var paths = new List<string>();
        await foreach (ArtifactInfo info in store.ListAsync("models/r2/"))
        {
            paths.Add(info.Path);
        }

        Assert.Equal(["models/r2/checkpoints/epoch-0001.ckpt", "models/r2/checkpoints/epoch-0002.ckpt"], paths);
    }

    [Fact]
    public async Task GetInfoAsync_ReportsSizeAndETag_NullWhenMissing()
    {
        IArtifactStore store = await CreateStoreAsync();
        string etag = await store.WriteAsync("x/y.bin", new MemoryStream(new byte[1234]));

        ArtifactInfo? info = await store.GetInfoAsync("x/y.bin");

        Assert.NotNull(info);
        Assert.Equal(1234, info.Size);
        Assert.Equal(etag, info.ETag);
        Assert.Null(await store.GetInfoAsync("x/none.bin"));
    }

    [Fact]
    public async Task DeleteAsync_ExistingThenMissing_ReturnsTrueThenFalse()
    {
        IArtifactStore store = await CreateStoreAsync();
        await store.WriteAsync("tmp/z", Text("z"));

        Assert.True(await store.DeleteAsync("tmp/z"));
        Assert.False(await store.DeleteAsync("tmp/z"));
        Assert.Null(await store.GetInfoAsync("tmp/z"));
    }

    [Fact]
    public async Task OpenReadAsync_Stream_IsSeekableForParquetFooters()
    {
        IArtifactStore store = await CreateStoreAsync();
        await store.WriteAsync("logs/a.parquet", new MemoryStream(Enumerable.Range(0, 10_000).Select(i => (byte)i).ToArray()));

        await using Stream stream = await store.OpenReadAsync("logs/a.parquet");
        stream.Seek(-4, SeekOrigin.End);
        var tail = new byte[4];
        await stream.ReadExactlyAsync(tail);

        Assert.True(stream.CanSeek);
        Assert.Equal(new byte[] { 12, 13, 14, 15 }, tail);
    }

    [Fact]
    public async Task OpenReadRangeAsync_MiddleSlice_ReturnsExactlyThoseBytes()
    {
        IArtifactStore store = await CreateStoreAsync();
        await store.WriteAsync("models/r/scoring/user-factors.f32", new MemoryStream(Enumerable.Range(0, 10_000).Select(i => (byte)i).ToArray()));

        byte[] slice = await ReadAllAsync(await store.OpenReadRangeAsync("models/r/scoring/user-factors.f32", offset: 5_000, length: 300));

        Assert.Equal(Enumerable.Range(5_000, 300).Select(i => (byte)i), slice);
    }

    [Fact]
    public async Task OpenReadRangeAsync_RangePastTheEnd_ReturnsOnlyTheBytesThatExist()
    {
        IArtifactStore store = await CreateStoreAsync();
        await store.WriteAsync("short.bin", new MemoryStream([1, 2, 3, 4, 5]));

        byte[] tail = await ReadAllAsync(await store.OpenReadRangeAsync("short.bin", offset: 3, length: 100));
        byte[] beyond = await ReadAllAsync(await store.OpenReadRangeAsync("short.bin", offset: 50, length: 10));
        byte[] empty = await ReadAllAsync(await store.OpenReadRangeAsync("short.bin", offset: 2, length: 0));

        Assert.Equal(new byte[] { 4, 5 }, tail);
        Assert.Empty(beyond);
        Assert.Empty(empty);
    }

    [Fact]
    public async Task OpenReadRangeAsync_MissingArtifact_ThrowsNotFoundNamingPath()
    {
        IArtifactStore store = await CreateStoreAsync();

        var error = await Assert.ThrowsAsync<ArtifactNotFoundException>(async () => await (await store.OpenReadRangeAsync("nope/missing.bin", 0, 8)).DisposeAsync());

        Assert.Contains("nope/missing.bin", error.Message, StringComparison.Ordinal);
    }

    private static async Task<byte[]> ReadAllAsync(Stream stream)
    {
        await using (stream)
        {
            using var buffer = new MemoryStream();
            await stream.CopyToAsync(buffer);
            return buffer.ToArray();
        }
    }

    private static MemoryStream Text(string value) => new(Encoding.UTF8.GetBytes(value));

    private static async Task<string> ReadTextAsync(IArtifactStore store, string path)
    {
        await using Stream stream = await store.OpenReadAsync(path);
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync();
    }
}
