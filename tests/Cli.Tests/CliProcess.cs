using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace Recommender.Cli.Tests;

/// <summary>What one run of the <c>recommender</c> command printed and returned.</summary>
public sealed record CliResult(int ExitCode, string Output, string Error);

/// <summary>Runs the built <c>recommender</c> command as a separate process, the way people run it.</summary>
public static class CliProcess
{
    private static readonly TimeSpan Ceiling = TimeSpan.FromMinutes(5);

    public static Task<CliResult> RunAsync(string workingDirectory, params string[] arguments) =>
        Start(workingDirectory, arguments).WaitAsync();

    /// <summary>Runs the command with environment variables changed (a null value removes the variable).</summary>
    public static Task<CliResult> RunAsync(string workingDirectory, IReadOnlyDictionary<string, string?> environment, params string[] arguments) =>
        Start(workingDirectory, environment, arguments).WaitAsync();

    /// <summary>Starts the command and returns at once, for tests that act while it runs.</summary>
    public static RunningCli Start(string workingDirectory, params string[] arguments) =>
        Start(workingDirectory, new Dictionary<string, string?>(), arguments);

    public static RunningCli Start(string workingDirectory, IReadOnlyDictionary<string, string?> environment, params string[] arguments)
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
        foreach ((string name, string? value) in environment)
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }

        Process process = Process.Start(start) ?? throw new InvalidOperationException("recommender did not start");
        return new RunningCli(process, Ceiling);
    }
}

/// <summary>A <c>recommender</c> process that is still running: its output so far, signals, and its end.</summary>
public sealed class RunningCli : IDisposable
{
    private const int SigInt = 2;
    private const int SigTerm = 15;
    private readonly Process _process;
    private readonly TimeSpan _ceiling;
    private readonly StringBuilder _error = new();
    private readonly Task<string> _output;
    private readonly Task _errorPump;
    private readonly Lock _gate = new();

    internal RunningCli(Process process, TimeSpan ceiling)
    {
        _process = process;
        _ceiling = ceiling;
        _output = process.StandardOutput.ReadToEndAsync();
        _errorPump = Task.Run(async () =>
        {
            while (await process.StandardError.ReadLineAsync() is { } line)
            {
                lock (_gate)
                {
                    _error.AppendLine(line);
                }
            }
        });
    }

    public int ProcessId => _process.Id;

    /// <summary>Stderr so far.</summary>
    public string Error
    {
        get
        {
            lock (_gate)
            {
                return _error.ToString();
            }
        }
    }

    /// <summary>Waits until stderr contains <paramref name="text"/>; fails with what it printed when the process ends first or the ceiling passes.</summary>
    public async Task WaitForErrorAsync(string text)
    {
        var clock = Stopwatch.StartNew();
        while (!Error.Contains(text, StringComparison.Ordinal))
        {
            if (_process.HasExited && _errorPump.IsCompleted)
            {
                throw new InvalidOperationException($"recommender ended (exit {_process.ExitCode}) before printing '{text}':\n{Error}\n{await _output}");
            }

            if (clock.Elapsed > _ceiling)
            {
                throw new TimeoutException($"recommender did not print '{text}' within {_ceiling}:\n{Error}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>
    /// Ctrl-C: SIGINT, as a terminal sends it. Where this test process was started with SIGINT ignored (a background
    /// job of a shell without job control) its children inherit that, so SIGTERM, which the command treats the same, is sent.
    /// </summary>
    public void Interrupt()
    {
        if (kill(_process.Id, SigIntIgnoredHere() ? SigTerm : SigInt) != 0)
        {
            throw new InvalidOperationException($"kill failed with errno {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary>Kills the process outright, as a crash or <c>kill -9</c> would.</summary>
    public void Kill() => _process.Kill(entireProcessTree: true);

    public async Task<CliResult> WaitAsync()
    {
        using var timeout = new CancellationTokenSource(_ceiling);
        await _process.WaitForExitAsync(timeout.Token);
        await _errorPump;
        return new CliResult(_process.ExitCode, await _output, Error);
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }

    private static bool SigIntIgnoredHere()
    {
        string? line = File.Exists("/proc/self/status") ? File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal)) : null;
        return line is not null && (Convert.ToUInt64(line["SigIgn:".Length..].Trim(), 16) & (1UL << (SigInt - 1))) != 0;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);
}
