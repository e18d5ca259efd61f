using System.Reflection;
using Microsoft.Extensions.Configuration;
using Recommender.Functions.Tests.Hosting;
using Recommender.Infra.Tests.Tooling;
using Xunit.Abstractions;

namespace Recommender.Infra.Tests.Bicep;

/// <summary>
/// In Azure the host reads the Function App's application settings as environment variables: every
/// <c>%name%</c> and connection of the built app (<c>functions.metadata</c>, <c>host.json</c>) resolves
/// under the host's rules with the settings <c>main.bicep</c> deploys, in each deployment scenario.
/// </summary>
[Trait("Category", "Infra")]
public sealed class HostSettingResolutionTests(ITestOutputHelper output)
{
    private static readonly string FunctionsOutput = typeof(HostSettingResolutionTests).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(attribute => attribute.Key == "FunctionsOutput").Value!;

    public static TheoryData<string> Scenarios => [DeploymentScenario.Defaults.Name, DeploymentScenario.ServerlessGpu.Name];

    [Theory]
    [MemberData(nameof(Scenarios))]
    public async Task EveryPercentName_ResolvesWithTheDeployedAppSettings(string scenario)
    {
        IConfiguration settings = await DeployedSettingsAsync(scenario);
        IReadOnlyList<string> names = HostSettingResolver.ReferencedNames(ReadBuilt("functions.metadata") + ReadBuilt("host.json"));
        output.WriteLine($"names checked: {string.Join(", ", names)}");

        Assert.NotEmpty(names);
        Assert.Empty(HostSettingResolver.Unresolved(settings, names));
    }

    [Theory]
    [MemberData(nameof(Scenarios))]
    public async Task TaskHubName_ResolvesToANameDurableAccepts(string scenario)
    {
        IConfiguration settings = await DeployedSettingsAsync(scenario);

        string? hub = HostSettingResolver.Resolve(settings, HostSettingResolver.TaskHubExpression(ReadBuilt("host.json")));

        Assert.NotNull(hub);
        Assert.True(HostSettingResolver.IsValidTaskHubName(hub), $"'{hub}' is not a valid task hub name");
    }

    [Theory]
    [MemberData(nameof(Scenarios))]
    public async Task ScaleControllerSettings_AreDeployedAppSettingsByTheirOwnNames(string scenario)
    {
        // As the platform's scale controller finds them: by the app setting's name as written in host.json and the timer.
        DeploymentScenario parameters = scenario == DeploymentScenario.ServerlessGpu.Name ? DeploymentScenario.ServerlessGpu : DeploymentScenario.Defaults;
        DeploymentSnapshot snapshot = (await InfraArtifacts.SnapshotAsync(parameters)).Snapshot;

        IReadOnlyList<string> names = HostSettingResolver.ScaleControllerSettingNames(ReadBuilt("functions.metadata"), ReadBuilt("host.json"));

        Assert.NotEmpty(names);
        Assert.All(names, name => Assert.True(snapshot.AppSettings.TryGetValue(name, out string? value) && !string.IsNullOrWhiteSpace(value), $"no app setting is called '{name}'"));
    }

    [Theory]
    [MemberData(nameof(Scenarios))]
    public async Task TimerSchedules_ResolveWithTheDeployedAppSettingsToSchedulesTheExtensionAccepts(string scenario)
    {
        IConfiguration settings = await DeployedSettingsAsync(scenario);

        IReadOnlyList<string?> schedules = HostSettingResolver.TimerSchedules(settings, ReadBuilt("functions.metadata"));

        Assert.NotEmpty(schedules);
        Assert.All(schedules, schedule => Assert.True(HostSettingResolver.IsValidTimerSchedule(schedule), $"'{schedule}' is not a timer schedule"));
    }

    [Theory]
    [MemberData(nameof(Scenarios))]
    public async Task EveryBindingConnection_ResolvesWithTheDeployedAppSettings(string scenario)
    {
        IConfiguration settings = await DeployedSettingsAsync(scenario);
        IReadOnlyList<string> connections = HostSettingResolver.ConnectionNames(ReadBuilt("functions.metadata"));

        Assert.NotEmpty(connections);
        Assert.All(connections, name => Assert.True(HostSettingResolver.ConnectionResolves(settings, name), $"connection '{name}' does not resolve"));
    }

    private static async Task<IConfiguration> DeployedSettingsAsync(string scenario)
    {
        DeploymentScenario parameters = scenario == DeploymentScenario.ServerlessGpu.Name ? DeploymentScenario.ServerlessGpu : DeploymentScenario.Defaults;
        DeploymentSnapshot snapshot = (await InfraArtifacts.SnapshotAsync(parameters)).Snapshot;
        return HostSettingResolver.ConfigurationOf(snapshot.AppSettings.ToDictionary(pair => pair.Key, pair => (string?)pair.Value));
    }

    private static string ReadBuilt(string file)
    {
        string path = Path.Combine(FunctionsOutput, file);
        Assert.True(File.Exists(path), $"{path} is missing: build src/Functions first (the solution build does).");
        return File.ReadAllText(path);
    }
}
