namespace Recommender.Core.Storage;

/// <summary>
/// A read-only, forward-only view of at most a given number of bytes of another stream, from its
/// current position; disposing it disposes the inner stream. What the stores return for a byte range.
/// </summary>
internal sealed class ArtifactRangeStream : Stream
{
    private readonly Stream _inner;
    private long _remaining;
    private long _position;

    /// <summary>Reads at most <paramref name="length"/> bytes of <paramref name="inner"/>, which this stream owns.</summary>
    public ArtifactRangeStream(Stream inner, long length)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        _inner = inner;
        _remaining = length;
    }

    /// <inheritdoc />
    public override bool CanRead => true;

    /// <inheritdoc />
    public override bool CanSeek => false;

    /// <inheritdoc />
    public override bool CanWrite => false;

    /// <inheritdoc />
    public override long Length => throw new NotSupportedException();

    /// <inheritdoc />
    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    /// <summary>Reads and drops <paramref name="count"/> bytes of a stream that cannot seek (fewer when it ends first).</summary>
    public static async Task SkipAsync(Stream stream, long count, CancellationToken cancellationToken)
    {
        byte[] buffer = new byte[Math.Min(count, 1 << 16)];
        while (count > 0)
        {
            int read = await stream.ReadAsync(buffer.AsMemory(0, (int)Math.Min(count, buffer.Length)), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return;
            }

            count -= read;
        }
    }

    /// <inheritdoc />
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    /// <inheritdoc />
    public override int Read(Span<byte> buffer)
    {
        if (_remaining == 0)
        {
            return 0;
        }

        int read = _inner.Read(buffer[..(int)Math.Min(buffer.Length, _remaining)]);
        Advance(read);
        return read;
    }

    /// <inheritdoc />
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc />
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_remaining == 0)
        {
            return 0;
        }

        int read = await _inner.ReadAsync(buffer[..(int)Math.Min(buffer.Length, _remaining)], cancellationToken).ConfigureAwait(false);
        Advance(read);
        return read;
    }

    /// <inheritdoc />
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc />
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <inheritdoc />
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <inheritdoc />
    public override void Flush()
    {
    }

    /// <inheritdoc />
    public override async ValueTask DisposeAsync()
    {
        await _inner.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }

    private void Advance(int read)
    {
        _remaining -= read;
        _position += read;
    }
}
