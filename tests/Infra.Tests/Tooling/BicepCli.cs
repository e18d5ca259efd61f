using System.Reflection;

namespace Recommender.Infra.Tests.Tooling;

/// <summary>
/// The Bicep CLI from the NuGet package cache (package Azure.Bicep.CommandLine.linux-x64), run
/// with every HTTP proxy pointed at a closed local port: a command that tried to reach a registry
/// or any other host would fail, so passing tests prove the templates build offline.
/// </summary>
internal static class BicepCli
{
    /// <summary>Subscription the deployment snapshots pretend to deploy to.</summary>
    public const string SnapshotSubscriptionId = "00000000-0000-0000-0000-00000000c0de";

    /// <summary>Region the deployment snapshots pretend to deploy to.</summary>
    public const string SnapshotLocation = "westeurope";

    private const string ClosedPort = "http://127.0.0.1:9";

    private static readonly Lazy<string> s_executable = new(LocateExecutable);

    private static readonly Dictionary<string, string?> s_offline = new()
    {
        ["HTTP_PROXY"] = ClosedPort,
        ["HTTPS_PROXY"] = ClosedPort,
        ["ALL_PROXY"] = ClosedPort,
        ["NO_PROXY"] = null,
        ["http_proxy"] = ClosedPort,
        ["https_proxy"] = ClosedPort,
        ["all_proxy"] = ClosedPort,
        ["no_proxy"] = null,
        ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
    };

    /// <summary>Path of the <c>bicep</c> executable.</summary>
    public static string Executable => s_executable.Value;

    /// <summary>Runs <c>bicep</c> with <paramref name="arguments"/> from the repository root.</summary>
    public static Task<CommandResult> RunAsync(params string[] arguments) =>
        CommandRunner.RunAsync(Executable, arguments, Repository.Root, s_offline);

    private static string LocateExecutable()
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("The tests use the linux-x64 Bicep CLI package; run them on Linux x64.");
        }

        string? path = typeof(BicepCli).Assembly
            .GetCustomAttributes<AssemblyMetadataAttribute>()
            .SingleOrDefault(attribute => attribute.Key == "BicepExecutable")?.Value;
        if (string.IsNullOrEmpty(path) || !File.Exists(path))
        {
            throw new FileNotFoundException(
                $"The Bicep CLI is not at '{path}': restore tests/Infra.Tests (it downloads Azure.Bicep.CommandLine.linux-x64).", path);
        }

        // Package extraction does not always keep the execute bit.
        UnixFileMode mode = File.GetUnixFileMode(path);
        if (!mode.HasFlag(UnixFileMode.UserExecute))
        {
            File.SetUnixFileMode(path, mode | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        }

        return path;
    }
}
