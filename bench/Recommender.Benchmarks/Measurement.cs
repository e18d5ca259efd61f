using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Recommender.Benchmarks;

/// <summary>One measured run of one contender in a scenario.</summary>
internal sealed record Measurement(string Scenario, string Contender, double Seconds, long PeakBytes, IReadOnlyDictionary<string, double> Figures);

/// <summary>Runs contenders in child processes, so each one's peak memory is its own.</summary>
internal static class ChildProcess
{
    public static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public static Measurement Run(params string[] arguments)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, UseShellExecute = false };
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
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"child {string.Join(' ', arguments)} failed with {process.ExitCode}");
        }

        string json = output[output.LastIndexOf("\n{", StringComparison.Ordinal)..];
        return JsonSerializer.Deserialize<Measurement>(json, Json)!;
    }

    public static int Report(Measurement measurement)
    {
        Console.WriteLine();
        Console.WriteLine(JsonSerializer.Serialize(measurement with { PeakBytes = PeakMemory.Bytes() }, Json));
        return 0;
    }
}
