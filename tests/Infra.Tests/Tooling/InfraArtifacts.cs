using System.Collections.Concurrent;

namespace Recommender.Infra.Tests.Tooling;

/// <summary>The outcome of <c>bicep build</c> over every template: the command and where it wrote.</summary>
internal sealed record TemplateBuild(CommandResult Result, string OutputFolder)
{
    /// <summary>The compiled form of a template given relative to <c>infra/bicep</c>, e.g. <c>main.bicep</c>.</summary>
    public ArmTemplate Compiled(string bicepPath) =>
        ArmTemplate.Load(Path.Combine(OutputFolder, Path.ChangeExtension(bicepPath, ".json")));
}

/// <summary>The outcome of <c>bicep snapshot</c> for one scenario.</summary>
internal sealed record SnapshotRun(CommandResult Result, string SnapshotPath)
{
    /// <summary>The predicted deployment; fails the test when the snapshot could not be made.</summary>
    public DeploymentSnapshot Snapshot
    {
        get
        {
            Assert.True(Result.ExitCode == 0 && File.Exists(SnapshotPath), Result.Transcript);
            return DeploymentSnapshot.Load(SnapshotPath);
        }
    }
}

/// <summary>
/// Bicep outputs shared by every test of the run: each command runs once, on first use, whichever
/// test class asks first, so the classes can run in parallel without repeating the slow work.
/// </summary>
internal static class InfraArtifacts
{
    private static readonly Lazy<string> s_workFolder = new(CreateWorkFolder);
    private static readonly Lazy<Task<TemplateBuild>> s_build = new(BuildEveryTemplateAsync);
    private static readonly Lazy<Task<CommandResult>> s_lint = new(LintEveryTemplateAsync);
    private static readonly ConcurrentDictionary<string, Lazy<Task<SnapshotRun>>> s_snapshots = new(StringComparer.Ordinal);

    /// <summary>Glob of every template, relative to the repository root.</summary>
    public const string EveryTemplate = "infra/bicep/**/*.bicep";

    /// <summary><c>bicep build</c> over every template, into a folder under the test output.</summary>
    public static Task<TemplateBuild> BuildAsync() => s_build.Value;

    /// <summary><c>bicep lint</c> over every template.</summary>
    public static Task<CommandResult> LintAsync() => s_lint.Value;

    /// <summary><c>bicep snapshot</c> of main.bicep with a scenario's parameters.</summary>
    public static Task<SnapshotRun> SnapshotAsync(DeploymentScenario scenario) =>
        s_snapshots.GetOrAdd(scenario.Name, _ => new Lazy<Task<SnapshotRun>>(() => TakeSnapshotAsync(scenario))).Value;

    /// <summary>Every template file, relative to <c>infra/bicep</c>.</summary>
    public static IReadOnlyList<string> TemplateFiles =>
        [.. Directory.EnumerateFiles(Repository.BicepFolder, "*.bicep", SearchOption.AllDirectories)
            .Select(path => Path.GetRelativePath(Repository.BicepFolder, path))
            .Order(StringComparer.Ordinal)];

    private static string CreateWorkFolder()
    {
        string folder = Path.Combine(AppContext.BaseDirectory, "infra-tests");
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }

        Directory.CreateDirectory(folder);
        return folder;
    }

    private static async Task<TemplateBuild> BuildEveryTemplateAsync()
    {
        string output = Directory.CreateDirectory(Path.Combine(s_workFolder.Value, "compiled")).FullName;
        CommandResult result = await BicepCli.RunAsync("build", "--pattern", EveryTemplate, "--outdir", output);
        return new TemplateBuild(result, output);
    }

    private static Task<CommandResult> LintEveryTemplateAsync() => BicepCli.RunAsync("lint", "--pattern", EveryTemplate);

    private static async Task<SnapshotRun> TakeSnapshotAsync(DeploymentScenario scenario)
    {
        string folder = Directory.CreateDirectory(Path.Combine(s_workFolder.Value, "snapshots")).FullName;
        string parameters = Path.Combine(folder, $"{scenario.Name}.bicepparam");
        await File.WriteAllTextAsync(parameters, scenario.ToBicepParam(folder));
        CommandResult result = await BicepCli.RunAsync(
            "snapshot", parameters,
            "--mode", "overwrite",
            "--subscription-id", BicepCli.SnapshotSubscriptionId,
            "--location", BicepCli.SnapshotLocation,
            "--deployment-name", "infra-tests");
        return new SnapshotRun(result, Path.Combine(folder, $"{scenario.Name}.snapshot.json"));
    }
}
