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
        string repository = RepositoryPaths.Root;
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

    private static Task<(int ExitCode, string Output)> DotnetAsync(string workingDirectory, params string[] arguments) =>
        RunAsync("dotnet", workingDirectory, arguments);

    private static async Task<(int ExitCode, string Output)> RunAsync(string file, string workingDirectory, params string[] arguments)
    {
        Directory.CreateDirectory(workingDirectory);
        var environment = new Dictionary<string, string?> { ["NO_COLOR"] = "1", ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1", ["DOTNET_NOLOGO"] = "1" };
        // Infra.Tests' runner (linked in); the CLI has a CommandRunner of its own.
        Infra.Tests.Tooling.CommandResult result = await Infra.Tests.Tooling.CommandRunner.RunAsync(file, arguments, workingDirectory, environment, TimeSpan.FromMinutes(10));
        return (result.ExitCode, result.StandardOutput + result.StandardError);
    }

    [GeneratedRegex(@"^recommender\.(\d+\.\d+\.\d+[^a-z]*?)\.nupkg$")]
    private static partial Regex PointerPackage();
}
