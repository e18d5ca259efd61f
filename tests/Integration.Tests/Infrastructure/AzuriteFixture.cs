using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Recommender.Core.Storage;

namespace Recommender.Integration.Tests.Infrastructure;

/// <summary>
/// Starts Azurite (installed by the repository from eng/azurite's lockfile) on free loopback
/// ports for the tests of one collection, and stops it afterwards. Each fixture gets its own
/// data folder, so collections never see each other's blobs or tables.
/// </summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    // Azurite's published development account; it only opens the local emulator.
    private const string DevelopmentAccount = "devstoreaccount1";
    /// <summary>The well-known key of Azurite's development account.</summary>
    public const string DevelopmentKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private Process? _process;
    private string _dataFolder = string.Empty;

    /// <summary>Blob endpoint port.</summary>
    public int BlobPort { get; private set; }

    /// <summary>Queue endpoint port.</summary>
    public int QueuePort { get; private set; }

    /// <summary>Table endpoint port.</summary>
    public int TablePort { get; private set; }

    /// <summary>Connection string for this instance.</summary>
    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName={DevelopmentAccount};AccountKey={DevelopmentKey};" +
        $"BlobEndpoint=http://127.0.0.1:{BlobPort}/{DevelopmentAccount};" +
        $"QueueEndpoint=http://127.0.0.1:{QueuePort}/{DevelopmentAccount};" +
        $"TableEndpoint=http://127.0.0.1:{TablePort}/{DevelopmentAccount};";

    /// <summary>Storage options that point at this instance, with short retries so fault tests stay quick.</summary>
    public StorageOptions CreateStorageOptions(string prefix) => new()
    {
        ConnectionString = ConnectionString,
        InteractionsContainer = $"{prefix}-interactions",
        ArtifactsContainer = $"{prefix}-artifacts",
        LookupTable = $"{prefix.Replace("-", string.Empty, StringComparison.Ordinal)}recs",
        MaxRetries = 3,
        RetryDelay = TimeSpan.FromMilliseconds(100),
        NetworkTimeout = TimeSpan.FromSeconds(20),
    };

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        string azurite = AzuriteExecutable();
        _dataFolder = Directory.CreateTempSubdirectory("azurite-").FullName;
        // A port found free can be taken by another test process before Azurite binds it; Azurite then exits, and
        // the port answers for the other process. Only Azurite's own "listening" lines count, on fresh ports if need be.
        for (int attempt = 1; ; attempt++)
        {
            BlobPort = FreePort();
            QueuePort = FreePort();
            TablePort = FreePort();
            try
            {
                await StartAsync(azurite).ConfigureAwait(false);
                return;
            }
            catch (AzuriteExitedException) when (attempt < 5)
            {
                await StopAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Stops the emulator (data is kept), for fault-injection tests. It is asked to stop first
    /// (SIGTERM): Azurite keeps its metadata in memory and saves it every few seconds, so a kill
    /// alone would lose writes it had acknowledged, which real storage never does.
    /// </summary>
    public async Task StopAsync()
    {
        if (_process is { HasExited: false })
        {
            if (!OperatingSystem.IsWindows() && SendSignal(_process.Id, Sigterm) == 0)
            {
                using var graceful = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                try
                {
                    await _process.WaitForExitAsync(graceful.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // Did not stop in time; killed below.
                }
            }

            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            await _process.WaitForExitAsync().ConfigureAwait(false);
        }

        _process?.Dispose();
        _process = null;
    }

    /// <summary>Starts the emulator again on the same ports and data folder.</summary>
    public Task RestartAsync() => StartAsync(AzuriteExecutable());

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        try
        {
            Directory.Delete(_dataFolder, recursive: true);
        }
        catch (IOException)
        {
            // The emulator may still hold a file for a moment; the temp folder is cleaned by the OS.
        }
    }

    private async Task StartAsync(string azurite)
    {
        var start = new ProcessStartInfo(azurite)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in new[]
        {
            "--silent", "--disableTelemetry", "--skipApiVersionCheck", "--loose",
            "--location", _dataFolder,
            "--blobHost", "127.0.0.1", "--blobPort", BlobPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--queueHost", "127.0.0.1", "--queuePort", QueuePort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--tableHost", "127.0.0.1", "--tablePort", TablePort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        })
        {
            start.ArgumentList.Add(argument);
        }

        var listening = new System.Collections.Concurrent.ConcurrentDictionary<int, bool>();
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        _process = Process.Start(start) ?? throw new InvalidOperationException("Azurite did not start.");
        _process.OutputDataReceived += (_, line) =>
        {
            if (line.Data is not { } text)
            {
                return;
            }

            output.Enqueue(text);
            foreach (int port in new[] { BlobPort, QueuePort, TablePort })
            {
                if (text.Contains("successfully listening", StringComparison.Ordinal) && text.EndsWith($":{port}", StringComparison.Ordinal))
                {
                    listening[port] = true;
                }
            }
        };
        _process.ErrorDataReceived += (_, line) =>
        {
            if (line.Data is { } text)
            {
                output.Enqueue(text);
            }
        };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow.AddSeconds(60);
        int[] ports = [BlobPort, QueuePort, TablePort];
        while (!ports.All(port => listening.ContainsKey(port)) || !await AllAcceptAsync(ports).ConfigureAwait(false))
        {
            if (_process.HasExited)
            {
                throw new AzuriteExitedException($"Azurite exited before listening on {string.Join(", ", ports)}: {string.Join(" | ", output.TakeLast(5))}");
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"Azurite did not listen on {string.Join(", ", ports)} within 60 s: {string.Join(" | ", output.TakeLast(5))}");
            }

            await Task.Delay(100).ConfigureAwait(false);
        }
    }

    private static async Task<bool> AllAcceptAsync(int[] ports)
    {
        foreach (int port in ports)
        {
            if (!await AcceptsAsync(port).ConfigureAwait(false))
            {
                return false;
            }
        }

        return true;
    }

    private sealed class AzuriteExitedException(string message) : Exception(message);

    private const int Sigterm = 15;

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);

    private static async Task<bool> AcceptsAsync(int port)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port).ConfigureAwait(false);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string AzuriteExecutable()
    {
        string root = RepositoryRoot();
        string executable = Path.Combine(root, "eng", "azurite", "node_modules", ".bin", "azurite");
        if (!File.Exists(executable))
        {
            // The repository installs its own emulator, pinned by the lockfile.
            using var npm = Process.Start(new ProcessStartInfo("npm", ["ci", "--prefix", Path.Combine(root, "eng", "azurite"), "--no-audit", "--no-fund", "--loglevel=error"]))
                ?? throw new InvalidOperationException("npm did not start.");
            npm.WaitForExit();
            if (npm.ExitCode != 0 || !File.Exists(executable))
            {
                throw new InvalidOperationException($"Installing Azurite with npm failed (exit {npm.ExitCode}).");
            }
        }

        return executable;
    }

    /// <summary>The repository root (the folder that holds Recommender.sln).</summary>
    public static string RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Recommender.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException("Recommender.sln not found above the test folder.");
    }
}

/// <summary>Tests in this collection share one Azurite instance.</summary>
[CollectionDefinition(Name)]
public sealed class AzuriteCollection : ICollectionFixture<AzuriteFixture>
{
    /// <summary>Collection name.</summary>
    public const string Name = "Azurite";
}
