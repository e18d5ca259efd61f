using System.Collections.Concurrent;
using Recommender.Core.Storage;

namespace Recommender.Core.Tests.TestSupport;

/// <summary>An artifact store that forwards to another and counts the bytes read from each path.</summary>
internal sealed class CountingArtifactStore(IArtifactStore inner) : IArtifactStore
{
    private readonly ConcurrentDictionary<string, long> _bytesRead = new(StringComparer.Ordinal);

    /// <summary>Bytes read so far from <paramref name="path"/>.</summary>
    public long BytesRead(string path) => _bytesRead.GetValueOrDefault(path);

    /// <summary>Forgets what was counted.</summary>
    public void Reset() => _bytesRead.Clear();

    public async Task<Stream> OpenReadAsync(string path, CancellationToken cancellationToken = default) =>
        new CountingStream(await inner.OpenReadAsync(path, cancellationToken), bytes => _bytesRead.AddOrUpdate(path, bytes, (_, sum) => sum + bytes));

    public async Task<Stream> OpenReadRangeAsync(string path, long offset, long length, CancellationToken cancellationToken = default) =>
        new CountingStream(await inner.OpenReadRangeAsync(path, offset, length, cancellationToken), bytes => _bytesRead.AddOrUpdate(path, bytes, (_, sum) => sum + bytes));

    public Task<string> WriteAsync(string path, Stream content, WriteCondition? condition = null, CancellationToken cancellationToken = default) =>
        inner.WriteAsync(path, content, condition, cancellationToken);

    public Task<ArtifactInfo?> GetInfoAsync(string path, CancellationToken cancellationToken = default) => inner.GetInfoAsync(path, cancellationToken);

    public IAsyncEnumerable<ArtifactInfo> ListAsync(string prefix, CancellationToken cancellationToken = default) => inner.ListAsync(prefix, cancellationToken);

    public Task<bool> DeleteAsync(string path, CancellationToken cancellationToken = default) => inner.DeleteAsync(path, cancellationToken);

    private sealed class CountingStream(Stream inner, Action<long> count) : ReadOnlyStreamWrapper(inner)
    {
        public override bool CanSeek => Inner.CanSeek;

        public override long Length => Inner.Length;

        public override long Position
        {
            get => Inner.Position;
            set => Inner.Position = value;
        }

        public override int Read(byte[] buffer, int offset, int count) => Counted(Inner.Read(buffer, offset, count));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Counted(await Inner.ReadAsync(buffer, cancellationToken));

        public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            Counted(await Inner.ReadAsync(buffer.AsMemory(offset, count), cancellationToken));

        public override long Seek(long offset, SeekOrigin origin) => Inner.Seek(offset, origin);

        private int Counted(int read)
        {
            count(read);
            return read;
        }
    }
}
