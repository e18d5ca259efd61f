using System.Runtime.InteropServices;

namespace Recommender.Core.Torch;

/// <summary>
/// The errors LibTorch raises through TorchSharp: an <see cref="ExternalException"/> whose message is
/// LibTorch's own text, then "Exception raised from …" and a native backtrace of a dozen frames that
/// means nothing to a user of this system.
/// </summary>
public static class LibTorchErrors
{
    private const string BacktraceMarker = "Exception raised from ";

    /// <summary>True for the exception TorchSharp throws when a LibTorch call fails.</summary>
    public static bool IsLibTorchError(Exception exception) =>
        exception?.GetType() == typeof(ExternalException);

    /// <summary>LibTorch's message without the backtrace, on one line (the whole message when it has none).</summary>
    public static string Summary(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        string message = exception.Message;
        int backtrace = message.IndexOf(BacktraceMarker, StringComparison.Ordinal);
        string text = (backtrace >= 0 ? message[..backtrace] : message).Trim();
        return string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }
}
