using System.Runtime.InteropServices;
using TorchSharp;

namespace Recommender.Core.Torch;

/// <summary>Process-wide TorchSharp settings that every training and scoring path shares.</summary>
public static class TorchRuntime
{
    // glibc mallopt parameters (malloc.h).
    private const int TrimThresholdParameter = -1;
    private const int MmapThresholdParameter = -3;

    // The largest value glibc accepts for the mmap threshold on 64-bit systems.
    private const int MmapThresholdBytes = 32 << 20;
    private const int TrimThresholdBytes = 256 << 20;

    private static int s_allocatorConfigured;

    /// <summary>The TorchSharp build this project ships with.</summary>
    public static string Version => typeof(torch).Assembly.GetName().Version?.ToString() ?? "unknown";

    /// <summary>
    /// Keeps libtorch's per-batch tensors (a batch's logits are megabytes) in the C heap instead of
    /// fresh memory maps. With glibc's defaults every such tensor is mapped and unmapped again, and
    /// the kernel zero-fills its pages on each use: on MovieLens that is about two million page
    /// faults and an eighth of a training epoch. Raises glibc's mmap threshold to 32 MiB and its trim
    /// threshold to 256 MiB, once per process, on Linux with glibc; elsewhere it does nothing.
    /// </summary>
    public static void ConfigureNativeAllocator()
    {
        if (!OperatingSystem.IsLinux() || Interlocked.Exchange(ref s_allocatorConfigured, 1) == 1)
        {
            return;
        }

        try
        {
            _ = Mallopt(MmapThresholdParameter, MmapThresholdBytes);
            _ = Mallopt(TrimThresholdParameter, TrimThresholdBytes);
        }
        catch (EntryPointNotFoundException)
        {
            // Not glibc (musl has no mallopt tuning): keep the allocator's defaults.
        }
        catch (DllNotFoundException)
        {
        }
    }

    [DllImport("libc", EntryPoint = "mallopt", ExactSpelling = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Mallopt(int parameter, int value);
}
