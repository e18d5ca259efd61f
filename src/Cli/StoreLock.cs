using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Spectre.Console;

namespace Recommender.Cli;

/// <summary>
/// The single-writer rule of the embedded store, as the Durable pipeline has it for Azure: one run at a time
/// trains and publishes into a store. The lock is an exclusive OS lock on <c>store.lock</c> (flock on Linux and
/// macOS, a share-none handle on Windows), which the OS releases when the process ends however it ends, so a
/// killed run never leaves the store locked. Beside it, <c>store.lock.json</c> says who holds it (process id and
/// start time, command, run id) so the next command can name the run; a record whose process is gone is stale,
/// and is also what keeps the rule where the OS lock is unavailable (file locking turned off).
/// </summary>
internal sealed class StoreLock : IAsyncDisposable
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };
    private readonly FileStream _handle;
    private readonly string _ownerPath;
    private StoreLockOwner _owner;

    private StoreLock(FileStream handle, string ownerPath, StoreLockOwner owner, StoreLockOwner? recovered)
    {
        _handle = handle;
        _ownerPath = ownerPath;
        _owner = owner;
        RecoveredFrom = recovered;
    }

    /// <summary>The holder whose process had ended without releasing the store (killed), or null.</summary>
    public StoreLockOwner? RecoveredFrom { get; }

    /// <summary>
    /// Takes the lock of <paramref name="layout"/>'s store for <paramref name="command"/>. When another live process
    /// holds it, throws <see cref="StoreBusyException"/> naming that run, or with <paramref name="wait"/> waits for it.
    /// </summary>
    public static async Task<StoreLock> AcquireAsync(StoreLayout layout, string command, bool wait, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(layout.Root);
        string lockPath = Path.Combine(layout.Root, "store.lock");
        string ownerPath = Path.Combine(layout.Root, "store.lock.json");
        bool announced = false;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            FileStream? handle = TryOpenExclusive(lockPath);
            StoreLockOwner? holder = ReadOwner(ownerPath);
            if (handle is not null && (holder is null || !holder.IsAlive() || holder.ProcessId == Environment.ProcessId))
            {
                StoreLockOwner? recovered = holder is not null && holder.ProcessId != Environment.ProcessId ? holder : null;
                if (recovered is not null)
                {
                    ConsoleOutput.Error.MarkupLine($"[grey]{Markup.Escape(recovered.Describe())} ended without releasing the store, which is free again.[/]");
                }

                var owner = StoreLockOwner.ForThisProcess(command);
                var acquired = new StoreLock(handle, ownerPath, owner, recovered);
                acquired.WriteOwner();
                return acquired;
            }

            handle?.Dispose();
            string who = holder?.Describe() ?? "another recommender process";
            if (!wait)
            {
                throw new StoreBusyException(
                    $"The store {layout.Root} is in use by {who}; one run at a time writes to a store. Add --wait to start when it is free, or use another --store.");
            }

            if (!announced)
            {
                ConsoleOutput.Error.MarkupLine($"[grey]waiting for {Spectre.Console.Markup.Escape(who)} to finish with the store …[/]");
                announced = true;
            }

            await Task.Delay(PollInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Records the run this process is doing, so a second command can name it and a later one resume it if this process is killed.</summary>
    public void Describe(string runId, string inputFingerprint, string settings)
    {
        _owner = _owner with { RunId = runId, InputFingerprint = inputFingerprint, Settings = settings };
        WriteOwner();
    }

    public ValueTask DisposeAsync()
    {
        try
        {
            File.Delete(_ownerPath);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return _handle.DisposeAsync();
    }

    private static FileStream? TryOpenExclusive(string path)
    {
        try
        {
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static StoreLockOwner? ReadOwner(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<StoreLockOwner>(File.ReadAllText(path), Json);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
        {
            return null;
        }
    }

    private void WriteOwner()
    {
        string partial = _ownerPath + ".partial";
        File.WriteAllText(partial, JsonSerializer.Serialize(_owner, Json));
        File.Move(partial, _ownerPath, overwrite: true);
    }
}

/// <summary>Who holds the store: enough to name the run and to tell a live holder from one that is gone.</summary>
/// <param name="ProcessId">The holder's process id.</param>
/// <param name="ProcessStartedAt">When that process started, so a recycled process id is not mistaken for the holder.</param>
/// <param name="Command">The command it runs (run, demo).</param>
/// <param name="Since">When it took the lock.</param>
/// <param name="RunId">The run it is doing, once known.</param>
/// <param name="InputFingerprint">Fingerprint of the run's input, once known.</param>
/// <param name="Settings">Digest of the run's options, once known.</param>
internal sealed record StoreLockOwner(int ProcessId, DateTimeOffset? ProcessStartedAt, string Command, DateTimeOffset Since, string? RunId = null, string? InputFingerprint = null, string? Settings = null)
{
    public static StoreLockOwner ForThisProcess(string command)
    {
        using Process self = Process.GetCurrentProcess();
        return new StoreLockOwner(self.Id, StartTimeOf(self), command, DateTimeOffset.UtcNow);
    }

    /// <summary>True when the process is running and is the one that took the lock (same start time).</summary>
    public bool IsAlive()
    {
        try
        {
            using Process process = Process.GetProcessById(ProcessId);
            if (process.HasExited)
            {
                return false;
            }

            return ProcessStartedAt is not { } recorded || StartTimeOf(process) is not { } actual || (actual - recorded).Duration() < TimeSpan.FromSeconds(2);
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    public string Describe()
    {
        string run = RunId is null ? $"'recommender {Command}'" : $"run {RunId} ('recommender {Command}')";
        return string.Create(CultureInfo.InvariantCulture, $"{run}, process {ProcessId}, since {Since.ToLocalTime():yyyy-MM-dd HH:mm:ss}");
    }

    private static DateTimeOffset? StartTimeOf(Process process)
    {
        try
        {
            return new DateTimeOffset(process.StartTime.ToUniversalTime(), TimeSpan.Zero);
        }
        catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException)
        {
            return null;
        }
    }
}
