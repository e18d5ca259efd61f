using System.Text.Json;
using System.Text.RegularExpressions;
using Recommender.Core.Tests.TestSupport;

namespace Recommender.Cli.Tests;

/// <summary>Rolling back without the app: the versions a store keeps, and making an older one live again.</summary>
public sealed class VersionsCommandTests
{
    private static readonly string[] SmallDemo = ["demo", "--users", "600", "--epochs", "10", "--dimension", "32", "--learning-rate", "0.01"];

    [Fact]
    public async Task Activate_OlderVersion_MakesItLiveAgainAndVersionsShowsIt()
    {
        using var folder = new TempDirectory();
        CliResult first = await CliProcess.RunAsync(folder.FullPath, [.. SmallDemo, "--seed", "1"]);
        CliResult second = await CliProcess.RunAsync(folder.FullPath, [.. SmallDemo, "--seed", "2"]);
        Assert.True(first.ExitCode == 0 && second.ExitCode == 0, first.Error + second.Error);
        string older = PublishedVersion(first);
        string newer = PublishedVersion(second);

        CliResult before = await CliProcess.RunAsync(folder.FullPath, "versions");
        CliResult activate = await CliProcess.RunAsync(folder.FullPath, "activate", "--version", older);
        CliResult after = await CliProcess.RunAsync(folder.FullPath, "versions", "--json");
        CliResult recommend = await CliProcess.RunAsync(folder.FullPath, "recommend", "--user", "user-000007", "--json");

        Assert.True(before.ExitCode == 0, before.Error);
        Assert.Matches($@"{Regex.Escape(newer)}\s*│\s*live", before.Output);
        Assert.Matches($@"{Regex.Escape(older)}\s*│\s*kept", before.Output);
        Assert.True(activate.ExitCode == 0, activate.Error);
        Assert.Contains($"Version {older} is live; {newer} was.", activate.Output, StringComparison.Ordinal);
        using JsonDocument versions = JsonDocument.Parse(after.Output);
        Assert.Equal(older, Assert.Single(versions.RootElement.EnumerateArray(), v => v.GetProperty("active").GetBoolean()).GetProperty("version").GetString());
        using JsonDocument list = JsonDocument.Parse(recommend.Output);
        Assert.Equal(older, list.RootElement.GetProperty("version").GetString());
    }

    [Fact]
    public async Task Activate_VersionNotKept_ExitsWithCode2ListingThePublishedOnes()
    {
        using var folder = new TempDirectory();
        CliResult demo = await CliProcess.RunAsync(folder.FullPath, SmallDemo);
        Assert.True(demo.ExitCode == 0, demo.Error);

        CliResult result = await CliProcess.RunAsync(folder.FullPath, "activate", "--version", "nope");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--version 'nope' is not a published version", result.Error, StringComparison.Ordinal);
        Assert.Contains($"{PublishedVersion(demo)} (active)", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Versions_WithoutAStore_ExitsWithCode2SayingWhatToRun()
    {
        using var folder = new TempDirectory();

        CliResult result = await CliProcess.RunAsync(folder.FullPath, "versions");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("recommender run", result.Error, StringComparison.Ordinal);
    }

    private static string PublishedVersion(CliResult run) =>
        Regex.Match(run.Output, @"published\S* version (\S+)").Groups[1].Value;
}
