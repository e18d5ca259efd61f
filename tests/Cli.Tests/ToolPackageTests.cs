using System.Diagnostics;
using System.Text.RegularExpressions;
using Recommender.Core.Tests.TestSupport;

namespace Recommender.Cli.Tests;

/// <summary>
/// <c>recommender</c> as people install it: packed as a .NET tool, installed with <c>dotnet tool install</c>, then run by
/// its name. The demo trains with TorchSharp, so it also proves the installed native libraries load (on Debian 12 only
/// the patched libLibTorchSharp.so does).
/// </summary>
[Trait("Category", "Tool")]
public sealed partial class ToolPackageTests : IDisposable
{
    private readonly TempDirectory _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task DotnetToolInstall_PackedTool_RunsHelpAndDemoByItsName()
    {
        string repository = RepositoryRoot();
        string feed = _folder.Combine("feed");
        string tools = _folder.Combine("tools");
        Directory.CreateDirectory(feed);

        (int packed, string packOutput) = await DotnetAsync(repository, "pack", Path.Combine(repository, "src", "Cli"), "-c", "Release", "-o", feed, "-nologo");
        Assert.True(packed == 0, packOutput);
        string version = Directory.EnumerateFiles(feed, "recommender.*.nupkg").Select(path => PointerPackage().Match(Path.GetFileName(path))).First(match => match.Success).Groups[1].Value;
        (int installed, string installOutput) = await DotnetAsync(_folder.FullPath, "tool", "install", "recommender", "--tool-path", tools, "--add-source", feed, "--version", version, "--ignore-failed-sources");
        Assert.True(installed == 0, installOutput);
        string command = Path.Combine(tools, OperatingSystem.IsWindows() ? "recommender.exe" : "recommender");

        (int helpExit, string help) = await RunAsync(command, _folder.FullPath, "--help");
        (int demoExit, string demo) = await RunAsync(command, _folder.Combine("work"), "demo", "--users", "600", "--epochs", "3", "--dimension", "16");

        Assert.True(helpExit == 0, help);
        Assert.Contains("recommender [command] [options]", help, StringComparison.Ordinal);
        Assert.True(demoExit == 0, demo);
        Assert.Contains("published version", demo, StringComparison.Ordinal);
    }

    private static string RepositoryRoot()
    {
        for (DirectoryInfo? folder = new(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Recommender.sln")))
            {
                return folder.FullName;
            }
        }

        throw new DirectoryNotFoundException($"No Recommender.sln above {AppContext.BaseDirectory}.");
    }

    private static Task<(int ExitCode, string Output)> DotnetAsync(string workingDirectory, params string[] arguments) =>
        RunAsync("dotnet", workingDirectory, arguments);

    private static async Task<(int ExitCode, string Output)> RunAsync(string file, string workingDirectory, params string[] arguments)
    {
        Directory.CreateDirectory(workingDirectory);
        var start = new ProcessStartInfo(file)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["NO_COLOR"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using Process process = Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start");
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output + await error);
    }

    [GeneratedRegex(@"^recommender\.(\d+\.\d+\.\d+[^a-z]*?)\.nupkg$")]
    private static partial Regex PointerPackage();
}
