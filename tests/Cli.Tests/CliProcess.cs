using System.Diagnostics;

namespace Recommender.Cli.Tests;

/// <summary>What one run of the <c>recommender</c> command printed and returned.</summary>
public sealed record CliResult(int ExitCode, string Output, string Error);

/// <summary>Runs the built <c>recommender</c> command as a separate process, the way people run it.</summary>
public static class CliProcess
{
    public static async Task<CliResult> RunAsync(string workingDirectory, params string[] arguments)
    {
        string entry = Path.Combine(AppContext.BaseDirectory, "recommender.dll");
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(entry);
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["NO_COLOR"] = "1";
        start.Environment["COLUMNS"] = "200";
        using Process process = Process.Start(start) ?? throw new InvalidOperationException("recommender did not start");
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(timeout.Token);
        return new CliResult(process.ExitCode, await output, await error);
    }
}
