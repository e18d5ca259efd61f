using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Recommender.Benchmarks;

/// <summary>One measured run of one contender in a scenario.</summary>
internal sealed record Measurement(string Scenario, string Contender, double Seconds, long PeakBytes, IReadOnlyDictionary<string, double> Figures);

/// <summary>
/// Runs contenders in child processes, so each one's peak memory is its own: under
/// <c>/usr/bin/time -v</c> where it exists (the OS's maximum resident set), otherwise from the child's
/// own VmHWM.
/// </summary>
internal static class ChildProcess
{
    public static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public static Measurement Run(params string[] arguments)
    {
        bool timed = File.Exists("/usr/bin/time");
        var start = new ProcessStartInfo(timed ? "/usr/bin/time" : Environment.ProcessPath!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (timed)
        {
            start.ArgumentList.Add("-v");
            start.ArgumentList.Add(Environment.ProcessPath!);
        }

        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet")
        {
            start.ArgumentList.Add(typeof(ChildProcess).Assembly.Location);
        }

        start.ArgumentList.Add("child");
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start)!;
        Task<string> errors = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        string stderr = errors.GetAwaiter().GetResult();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"child {string.Join(' ', arguments)} failed with {process.ExitCode}: {stderr}");
        }

        var measurement = JsonSerializer.Deserialize<Measurement>(output[output.LastIndexOf("\n{", StringComparison.Ordinal)..], Json)!;
        long peak = timed ? MaximumResidentBytes(stderr) : measurement.PeakBytes;
        var figures = new Dictionary<string, double>(measurement.Figures)
        {
            ["peakMiB"] = peak / 1048576.0,
            ["vmHwmMiB"] = measurement.PeakBytes / 1048576.0,
        };
        return measurement with { PeakBytes = peak, Figures = figures };
    }

    public static int Report(Measurement measurement)
    {
        Console.WriteLine();
        Console.WriteLine(JsonSerializer.Serialize(measurement with { PeakBytes = PeakMemory.Bytes() }, Json));
        return 0;
    }

    private static long MaximumResidentBytes(string timeReport)
    {
        const string Label = "Maximum resident set size (kbytes):";
        foreach (string line in timeReport.Split('\n'))
        {
            string trimmed = line.Trim();
            if (trimmed.StartsWith(Label, StringComparison.Ordinal))
            {
                return long.Parse(trimmed[Label.Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture) * 1024;
            }
        }

        throw new InvalidDataException($"/usr/bin/time -v printed no '{Label}' line");
    }
}
