using Microsoft.Extensions.Configuration;
using Xunit.Abstractions;

namespace Recommender.Functions.Tests.Hosting;

/// <summary>
/// Everything the Functions host resolves in the built app (<c>functions.metadata</c>, <c>host.json</c>)
/// resolves under the host's rules with the app settings of <c>local.settings.sample.json</c>, which is
/// what <c>func start</c> runs with. The Bicep app settings get the same check in the infrastructure tests.
/// </summary>
public sealed class HostBindingExpressionTests(ITestOutputHelper output)
{
    private static readonly string Metadata = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "functions.metadata"));
    private static readonly string HostJson = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "host.json"));
    private static readonly IConfiguration Sample = HostSettingResolver.ConfigurationOf(LocalSettingsSampleTests.LoadValues());

    [Fact]
    public void EveryPercentName_InMetadataAndHostJson_ResolvesWithTheSampleSettings()
    {
        IReadOnlyList<string> names = HostSettingResolver.ReferencedNames(Metadata + HostJson);
        output.WriteLine($"names checked: {string.Join(", ", names)}");

        Assert.NotEmpty(names);
        Assert.Empty(HostSettingResolver.Unresolved(Sample, names));
    }

    [Fact]
    public void TaskHubName_ResolvesToANameDurableAccepts()
    {
        string? hub = HostSettingResolver.Resolve(Sample, HostSettingResolver.TaskHubExpression(HostJson));

        Assert.NotNull(hub);
        Assert.True(HostSettingResolver.IsValidTaskHubName(hub), $"'{hub}' is not a valid task hub name");
    }

    [Fact]
    public void ScaleControllerSettings_TaskHubAndSchedule_AreSettingsOfTheSampleByTheirOwnNames()
    {
        // The scale controller looks the names up among the app settings as written, not through configuration paths.
        IReadOnlyList<string> names = HostSettingResolver.ScaleControllerSettingNames(Metadata, HostJson);

        Assert.Equal(["RecommenderTaskHub", "RecommenderSchedule"], names);
        Assert.All(names, name => Assert.Contains(name, LocalSettingsSampleTests.LoadValues().Keys));
    }

    [Theory]
    [InlineData("%Recommender:Pipeline:Schedule%", "Recommender:Pipeline:Schedule")]
    [InlineData("%RecommenderSchedule%", "RecommenderSchedule")]
    public void ScaleControllerSettingNames_TakeTheNameAsWritten(string schedule, string expected)
    {
        string metadata = $$"""[{"name":"Nightly","bindings":[{"type":"timerTrigger","schedule":"{{schedule}}"}]}]""";

        Assert.Equal(["Hub", expected], HostSettingResolver.ScaleControllerSettingNames(metadata, """{"extensions":{"durableTask":{"hubName":"%Hub%"}}}"""));
    }

    [Fact]
    public void ScaleControllerSettingNames_ScheduleWrittenOut_NamesNoSetting()
    {
        const string Metadata = """[{"name":"Nightly","bindings":[{"type":"timerTrigger","schedule":"0 0 2 * * *"}]}]""";

        Assert.Equal(["Hub"], HostSettingResolver.ScaleControllerSettingNames(Metadata, """{"extensions":{"durableTask":{"hubName":"%Hub%"}}}"""));
    }

    [Fact]
    public void TimerSchedules_ResolveWithTheSampleSettingsToSchedulesTheExtensionAccepts()
    {
        IReadOnlyList<string?> schedules = HostSettingResolver.TimerSchedules(Sample, Metadata);

        Assert.NotEmpty(schedules);
        Assert.All(schedules, schedule => Assert.True(HostSettingResolver.IsValidTimerSchedule(schedule), $"'{schedule}' is not a timer schedule"));
    }

    [Theory]
    [InlineData("0 0 2 * * *", true)]
    [InlineData("00:30:00", true)]
    [InlineData("0 2 * * *", false)] // five fields: the extension wants seconds first
    [InlineData("nightly", false)]
    [InlineData("", false)]
    public void IsValidTimerSchedule_FollowsTheTimerExtension(string schedule, bool valid)
    {
        Assert.Equal(valid, HostSettingResolver.IsValidTimerSchedule(schedule));
    }

    [Fact]
    public void EveryBindingConnection_ResolvesWithTheSampleSettings()
    {
        IReadOnlyList<string> connections = HostSettingResolver.ConnectionNames(Metadata);
        output.WriteLine($"connections checked: {string.Join(", ", connections)}");

        Assert.Contains("InteractionsStorage", connections);
        Assert.All(connections, name => Assert.True(HostSettingResolver.ConnectionResolves(Sample, name), $"connection '{name}' does not resolve"));
    }

    [Fact]
    public void Resolver_DoubleUnderscoreInsidePercents_NeverResolves()
    {
        IConfiguration configuration = HostSettingResolver.ConfigurationOf(new Dictionary<string, string?> { ["Recommender__TaskHub"] = "hub" });

        Assert.Null(HostSettingResolver.Resolve(configuration, "%Recommender__TaskHub%"));
        Assert.Equal("hub", HostSettingResolver.Resolve(configuration, "%Recommender:TaskHub%"));
    }

    [Theory]
    [InlineData("recommenderlocal", true)]
    [InlineData("Hub42", true)]
    [InlineData("%Recommender__TaskHub%", false)]
    [InlineData("recommender-local", false)]
    [InlineData("1hub", false)]
    [InlineData("ab", false)]
    public void IsValidTaskHubName_FollowsDurableStorageRules(string name, bool valid)
    {
        Assert.Equal(valid, HostSettingResolver.IsValidTaskHubName(name));
    }
}
