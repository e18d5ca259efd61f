using Recommender.Core.Storage;
using Recommender.Core.Tests.TestSupport;

namespace Recommender.Core.Tests.Storage;

/// <summary>The range read every store gets without writing one: open, then seek or skip.</summary>
public sealed class OpenReadRangeDefaultTests : IDisposable
{
    private readonly TempDirectory _folder = new();

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task OpenReadRangeAsync_StoreWithoutRangeReads_ReturnsTheSliceFromSeekableOrForwardOnlyStreams(bool seekable)
    {
        var local = new LocalArtifactStore(_folder.FullPath);
        await local.WriteAsync("a.bin", new MemoryStream(Enumerable.Range(0, 200_000).Select(i => (byte)(i % 251)).ToArray()));
        IArtifactStore store = new OpenOnlyStore(local, seekable);

        await using Stream slice = await store.OpenReadRangeAsync("a.bin", offset: 150_000, length: 70_000);
        using var copy = new MemoryStream();
        await slice.CopyToAsync(copy);

        Assert.Equal(Enumerable.Range(150_000, 50_000).Select(i => (byte)(i % 251)), copy.ToArray());
    }

    public void Dispose() => _folder.Dispose();

    /// <summary>A store that implements only the interface's required members, so the default range read applies.</summary>
    private sealed class OpenOnlyStore(IArtifactStore inner, bool seekable) : IArtifactStore
    {
        public async Task<Stream> OpenReadAsync(string path, CancellationToken cancellationToken = default)
        {
            Stream stream = await inner.OpenReadAsync(path, cancellationToken);
            return seekable ? stream : new BufferedStream(new ForwardOnly(stream));
        }

        public Task<string> WriteAsync(string path, Stream content, WriteCondition? condition = null, CancellationToken cancellationToken = default) =>
            inner.WriteAsync(path, content, condition, cancellationToken);

        public Task<ArtifactInfo?> GetInfoAsync(string path, CancellationToken cancellationToken = default) => inner.GetInfoAsync(path, cancellationToken);

        public IAsyncEnumerable<ArtifactInfo> ListAsync(string prefix, CancellationToken cancellationToken = default) => inner.ListAsync(prefix, cancellationToken);

        public Task<bool> DeleteAsync(string path, CancellationToken cancellationToken = default) => inner.DeleteAsync(path, cancellationToken);
    }

    private sealed class ForwardOnly(Stream inner) : ReadOnlyStreamWrapper(inner)
    {
        public override bool CanSeek => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Inner.Read(buffer, offset, count);

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    }
}
