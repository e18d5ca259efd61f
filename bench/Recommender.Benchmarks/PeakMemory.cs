namespace Recommender.Benchmarks;

/// <summary>Peak resident memory of this process as the kernel counts it (VmHWM), not as the GC does.</summary>
internal static class PeakMemory
{
    public static long Bytes()
    {
        foreach (string line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return long.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
            }
        }

        return -1;
    }
}
