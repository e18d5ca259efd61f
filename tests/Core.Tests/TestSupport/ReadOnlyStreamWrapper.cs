namespace Recommender.Core.Tests.TestSupport;

/// <summary>
/// Base of the test streams that wrap another one for reading: no writes, a no-op flush, and the
/// inner stream disposed with the wrapper. Seeking and reading are left to each wrapper.
/// </summary>
internal abstract class ReadOnlyStreamWrapper(Stream inner) : Stream
{
    /// <summary>The wrapped stream.</summary>
    protected Stream Inner { get; } = inner;

    public override bool CanRead => true;

    public override bool CanWrite => false;

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override void Flush()
    {
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
