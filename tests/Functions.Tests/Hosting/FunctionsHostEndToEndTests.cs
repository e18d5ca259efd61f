using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Storage.Blobs;
using Recommender.Core.Demo;
using Recommender.Core.Storage;
using Recommender.Core.Tests.TestSupport;
using Recommender.Integration.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Recommender.Functions.Tests.Hosting;

/// <summary>
/// The published app on the real Azure Functions host (<c>func start</c>, Core Tools 4) against Azurite:
/// every function indexes, an upload starts a run through the blob trigger that publishes, recommendations
/// are served, the app's own log lines reach the host's console, and a truncated upload is reported.
/// Needs <c>func</c> on PATH; where it is missing the test says so and is skipped.
/// </summary>
[Trait("Category", "Integration")]
[Collection(AzuriteCollection.Name)]
public sealed class FunctionsHostEndToEndTests(AzuriteFixture azurite, ITestOutputHelper output)
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(6);

    [SkippableFact]
    public async Task PublishedApp_UnderFuncStart_IndexesEveryFunctionRunsOnUploadAndReportsABadOne()
    {
        string? func = FindOnPath("func");
        if (func is null)
        {
            output.WriteLine("SKIPPED: Azure Functions Core Tools ('func') is not on PATH; install Core Tools 4 to run the app on the real Functions host.");
        }

        Skip.If(func is null, "Azure Functions Core Tools ('func') is not on PATH.");
        using var folder = new TempDirectory();
        string app = folder.Combine("app");
        await RunToEndAsync("dotnet", ["publish", Path.Combine(AzuriteFixture.RepositoryRoot(), "src", "Functions"), "-c", "Release", "-o", app], TimeSpan.FromMinutes(5));
        string prefix = $"e{Guid.NewGuid():N}"[..12];
        StorageOptions storage = azurite.CreateStorageOptions(prefix);
        await File.WriteAllTextAsync(Path.Combine(app, "local.settings.json"), LocalSettings(storage, prefix));
        int port = FreePort();
        var console = new StringBuilder();
        using Process host = StartHost(func!, app, port, console);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(30) };
        try
        {
            await WaitUntilRunningAsync(http, host, console);
            await AssertEveryFunctionIsListedAsync(http, Path.Combine(app, "functions.metadata"));

            var interactions = new BlobContainerClient(storage.ConnectionString, storage.InteractionsContainer);
            await interactions.CreateIfNotExistsAsync();
            await UploadLogAsync(interactions, "2026/12/day-1.parquet", truncate: false);
            JsonObject published = await WaitForRunAsync(http, "blob:2026/12/day-1.parquet", "published");
            string runId = published["runId"]!.GetValue<string>();

            JsonObject recommendations = await GetJsonAsync(http, "api/recommendations/user-000007?k=5");
            Assert.False(recommendations["fallback"]!.GetValue<bool>());
            Assert.Equal(5, recommendations["items"]!.AsArray().Count);
            Assert.Equal(runId, recommendations["modelVersion"]!.GetValue<string>());
            // The app's own log lines reach the host's console.
            Assert.Contains($"Run {runId}: dataset", Snapshot(console), StringComparison.Ordinal);

            await UploadLogAsync(interactions, "2026/12/day-2.parquet", truncate: true);
            JsonObject unchanged = await WaitForRunAsync(http, "blob:2026/12/day-2.parquet", "unchanged");
            JsonArray files = unchanged["record"]!["preprocessing"]!["files"]!.AsArray();
            JsonNode rejected = Assert.Single(files, file => file!["source"]!.GetValue<string>() == "2026/12/day-2.parquet")!;
            Assert.Equal("rejected", rejected["status"]!.GetValue<string>());
            Assert.Contains("truncated", rejected["reason"]!.GetValue<string>(), StringComparison.Ordinal);
        }
        finally
        {
            host.Kill(entireProcessTree: true);
            await host.WaitForExitAsync();
            output.WriteLine(Snapshot(console));
        }
    }

    private static string LocalSettings(StorageOptions storage, string prefix)
    {
        var values = new JsonObject();
        foreach ((string name, string? value) in LocalSettingsSampleTests.LoadValues())
        {
            values[name] = value;
        }

        values["AzureWebJobsStorage"] = storage.ConnectionString;
        values["InteractionsStorage"] = storage.ConnectionString;
        values["RecommenderTaskHub"] = $"hub{prefix}";
        values["Recommender__Storage__ConnectionString"] = storage.ConnectionString;
        values["Recommender__Storage__InteractionsContainer"] = storage.InteractionsContainer;
        values["Recommender__Storage__ArtifactsContainer"] = storage.ArtifactsContainer;
        values["Recommender__Storage__LookupTable"] = storage.LookupTable;
        values["Recommender__Pipeline__TopK"] = "20";
        values["Recommender__Training__Dimension"] = "16";
        values["Recommender__Training__Epochs"] = "4";
        return new JsonObject { ["IsEncrypted"] = false, ["Values"] = values }.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    private static Process StartHost(string func, string app, int port, StringBuilder console)
    {
        var start = new ProcessStartInfo(func)
        {
            WorkingDirectory = app,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in new[] { "start", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, line) => Append(console, line.Data);
        process.ErrorDataReceived += (_, line) => Append(console, line.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task WaitUntilRunningAsync(HttpClient http, Process host, StringBuilder console)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromMinutes(3))
        {
            Assert.False(host.HasExited, $"func start exited with {(host.HasExited ? host.ExitCode : 0)}:\n{Snapshot(console)}");
            try
            {
                JsonObject status = await GetJsonAsync(http, "admin/host/status");
                string? state = status["state"]?.GetValue<string>();
                Assert.NotEqual("Error", state);
                if (state == "Running")
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(TimeSpan.FromSeconds(2));
        }

        Assert.Fail($"The host did not reach Running in 3 minutes:\n{Snapshot(console)}");
    }

    private static async Task AssertEveryFunctionIsListedAsync(HttpClient http, string metadataPath)
    {
        using JsonDocument metadata = JsonDocument.Parse(await File.ReadAllTextAsync(metadataPath));
        string[] expected = [.. metadata.RootElement.EnumerateArray().Select(function => function.GetProperty("name").GetString()!)];
        JsonNode listed = JsonNode.Parse(await http.GetStringAsync(new Uri("admin/functions", UriKind.Relative)))!;
        HashSet<string> names = [.. listed.AsArray().Select(function => function!["name"]!.GetValue<string>())];

        Assert.NotEmpty(expected);
        Assert.All(expected, name => Assert.Contains(name, names));
    }

    private static async Task<JsonObject> WaitForRunAsync(HttpClient http, string trigger, string result)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < RunTimeout)
        {
            JsonArray runs = JsonNode.Parse(await http.GetStringAsync(new Uri("api/runs", UriKind.Relative)))!.AsArray();
            JsonObject? ended = runs.OfType<JsonObject>().FirstOrDefault(run => run["record"]?["trigger"]?.GetValue<string>() == trigger);
            if (ended is not null)
            {
                Assert.Equal(result, ended["status"]!.GetValue<string>());
                return ended;
            }

            await Task.Delay(TimeSpan.FromSeconds(3));
        }

        Assert.Fail($"No run started by {trigger} ended within {RunTimeout}.");
        return null!;
    }

    private static async Task<JsonObject> GetJsonAsync(HttpClient http, string path)
    {
        using HttpResponseMessage response = await http.GetAsync(new Uri(path, UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
    }

    private static async Task UploadLogAsync(BlobContainerClient interactions, string name, bool truncate)
    {
        using var buffer = new MemoryStream();
        await SyntheticInteractionLog.WriteAsync(buffer, new SyntheticLogOptions { Users = 300, Items = 120, Clusters = 6, MeanPerUser = 20, Seed = truncate ? 9 : 42 });
        byte[] bytes = buffer.ToArray();
        await interactions.GetBlobClient(name).UploadAsync(BinaryData.FromBytes(bytes.AsMemory(0, truncate ? bytes.Length / 2 : bytes.Length)), overwrite: true);
    }

    private static async Task RunToEndAsync(string file, string[] arguments, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        await process.WaitForExitAsync(cancel.Token);
        Assert.True(process.ExitCode == 0, $"{file} {string.Join(' ', arguments)} exited with {process.ExitCode}:\n{await stdout}\n{await stderr}");
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(folder => Path.Combine(folder, name))
            .FirstOrDefault(File.Exists);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static void Append(StringBuilder console, string? line)
    {
        if (line is not null)
        {
            lock (console)
            {
                console.AppendLine(line);
            }
        }
    }

    private static string Snapshot(StringBuilder console)
    {
        lock (console)
        {
            return console.ToString();
        }
    }
}
