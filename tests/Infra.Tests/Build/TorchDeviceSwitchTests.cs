using System.Text.Json.Nodes;
using Recommender.Infra.Tests.Tooling;

namespace Recommender.Infra.Tests.Build;

/// <summary>
/// The TorchDevice property of Recommender.Core picks the TorchSharp package. Checked by MSBuild
/// evaluation alone: the CUDA package is never restored here.
/// </summary>
[Trait("Category", "Infra")]
public sealed class TorchDeviceSwitchTests
{
    private static readonly string s_coreProject = Repository.PathOf("src", "Core", "Recommender.Core.csproj");

    // Variables that a parent dotnet test or MSBuild sets for its own children, not for a new build.
    private static readonly Dictionary<string, string?> s_freshBuild = new()
    {
        ["MSBuildSDKsPath"] = null,
        ["MSBUILD_EXE_PATH"] = null,
        ["MSBuildExtensionsPath"] = null,
        ["MSBuildLoadMicrosoftTargetsReadOnly"] = null,
        ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
        ["DOTNET_NOLOGO"] = "1",
    };

    private static Task<CommandResult> MSBuildAsync(params string[] arguments) =>
        CommandRunner.RunAsync(
            Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } dotnet ? dotnet : "dotnet",
            ["msbuild", s_coreProject, "-nologo", "-nodeReuse:false", .. arguments],
            Repository.Root,
            s_freshBuild);

    [Theory]
    [InlineData(null, "TorchSharp-cpu")]
    [InlineData("cpu", "TorchSharp-cpu")]
    [InlineData("cuda", "TorchSharp-cuda-linux")]
    public async Task PackageReferences_TorchDevice_SelectExactlyOneTorchSharpPackage(string? device, string expectedPackage)
    {
        CommandResult evaluation = await MSBuildAsync(
            ["-getItem:PackageReference", .. device is null ? Array.Empty<string>() : [$"-p:TorchDevice={device}"]]);

        Assert.True(evaluation.ExitCode == 0, evaluation.Transcript);
        IEnumerable<string> packages = JsonNode.Parse(evaluation.StandardOutput)!["Items"]!["PackageReference"]!.AsArray()
            .Select(item => item!["Identity"]!.GetValue<string>());
        Assert.Equal(expectedPackage, Assert.Single(packages, package => package.StartsWith("TorchSharp", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("Restore")]
    [InlineData("Build")]
    public async Task Target_UnknownTorchDevice_FailsBeforeTouchingPackages(string target)
    {
        CommandResult build = await MSBuildAsync($"-t:{target}", "-p:TorchDevice=rocm", "-v:q");

        Assert.NotEqual(0, build.ExitCode);
        Assert.Contains("error REC0001: TorchDevice 'rocm' is not supported", build.StandardOutput + build.StandardError, StringComparison.Ordinal);
    }
}
