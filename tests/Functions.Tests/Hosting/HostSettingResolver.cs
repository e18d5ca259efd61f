using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;

namespace Recommender.Functions.Tests.Hosting;

/// <summary>
/// Resolves what the Functions host resolves, the way the host does it: app settings reach the host as
/// environment variables, the standard .NET environment provider turns <c>__</c> into <c>:</c>, and a
/// <c>%name%</c> in <c>host.json</c> or a binding is looked up by that name in the resulting configuration
/// (the WebJobs <c>DefaultNameResolver</c>). So <c>%A__B%</c> never resolves, and <c>%A:B%</c> finds the
/// setting <c>A__B</c>. A binding's <c>connection</c> names a setting or a section of settings
/// (<c>Name__blobServiceUri</c>, …); the host also tries <c>ConnectionStrings:Name</c> and <c>AzureWebJobsName</c>.
/// </summary>
internal static partial class HostSettingResolver
{
    /// <summary>
    /// Durable Functions' Azure Storage task hub rule: 3 to 45 characters, letters and digits only,
    /// starting with a letter (the name prefixes queues, tables and a blob container).
    /// </summary>
    public static bool IsValidTaskHubName(string name) => TaskHubName().IsMatch(name);

    /// <summary>
    /// The configuration the host builds from <paramref name="appSettings"/>: each setting is set as an
    /// environment variable of this process (under a prefix of its own, removed afterwards) and read back
    /// through <c>AddEnvironmentVariables</c>, the provider the host uses.
    /// </summary>
    public static IConfiguration ConfigurationOf(IReadOnlyDictionary<string, string?> appSettings)
    {
        ArgumentNullException.ThrowIfNull(appSettings);
        string prefix = $"RECOMMENDER_HOSTRULES_{Guid.NewGuid():N}_";
        try
        {
            foreach ((string name, string? value) in appSettings)
            {
                Environment.SetEnvironmentVariable(prefix + name, string.IsNullOrEmpty(value) ? " " : value);
            }

            // Build copies every value, so the variables can go right after.
            return new ConfigurationBuilder().AddEnvironmentVariables(prefix).Build();
        }
        finally
        {
            foreach (string name in appSettings.Keys)
            {
                Environment.SetEnvironmentVariable(prefix + name, null);
            }
        }
    }

    /// <summary>Every distinct <c>%name%</c> in <paramref name="text"/>.</summary>
    public static IReadOnlyList<string> ReferencedNames(string text) =>
        [.. SettingReference().Matches(text).Select(match => match.Groups[1].Value).Distinct(StringComparer.Ordinal)];

    /// <summary>The names of <paramref name="names"/> that <paramref name="configuration"/> has no value for.</summary>
    public static IReadOnlyList<string> Unresolved(IConfiguration configuration, IEnumerable<string> names) =>
        [.. names.Where(name => string.IsNullOrWhiteSpace(configuration[name]))];

    /// <summary>Replaces every <c>%name%</c> of <paramref name="expression"/> by its value; null when one does not resolve.</summary>
    public static string? Resolve(IConfiguration configuration, string expression)
    {
        bool resolved = true;
        string result = SettingReference().Replace(expression, match =>
        {
            string? value = configuration[match.Groups[1].Value];
            resolved &= !string.IsNullOrWhiteSpace(value);
            return value ?? string.Empty;
        });
        return resolved ? result : null;
    }

    /// <summary>True when the host finds a connection called <paramref name="name"/>: a value, or a section with values.</summary>
    public static bool ConnectionResolves(IConfiguration configuration, string name)
    {
        foreach (string key in new[] { name, $"ConnectionStrings:{name}", $"AzureWebJobs{name}" })
        {
            IConfigurationSection section = configuration.GetSection(key);
            if (!string.IsNullOrWhiteSpace(section.Value) || section.GetChildren().Any(child => !string.IsNullOrWhiteSpace(child.Value)))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The <c>connection</c> of every binding in a <c>functions.metadata</c> document.</summary>
    public static IReadOnlyList<string> ConnectionNames(string functionsMetadata)
    {
        using JsonDocument document = JsonDocument.Parse(functionsMetadata);
        return
        [
            .. document.RootElement.EnumerateArray()
                .SelectMany(function => function.GetProperty("bindings").EnumerateArray())
                .Select(binding => binding.TryGetProperty("connection", out JsonElement connection) ? connection.GetString() : null)
                .OfType<string>()
                .Where(name => name.Length > 0)
                .Distinct(StringComparer.Ordinal),
        ];
    }

    /// <summary>The task hub name of a <c>host.json</c> (<c>extensions.durableTask.hubName</c>).</summary>
    public static string TaskHubExpression(string hostJson)
    {
        using JsonDocument document = JsonDocument.Parse(hostJson);
        return document.RootElement.GetProperty("extensions").GetProperty("durableTask").GetProperty("hubName").GetString()
            ?? throw new InvalidDataException("host.json has a null hubName.");
    }

    /// <summary>
    /// The app settings the platform's scale controller looks up to wake and scale the app: the task hub name
    /// (host.json's hubName) and each timer's schedule. The host's sync-triggers payload carries both as written,
    /// so the name between the percent signs must be an app setting's own name, not a configuration path
    /// (<c>A:B</c>), which no app setting on Linux can be called. A schedule written out in full names no setting.
    /// </summary>
    public static IReadOnlyList<string> ScaleControllerSettingNames(string functionsMetadata, string hostJson)
    {
        using JsonDocument document = JsonDocument.Parse(functionsMetadata);
        string[] schedules =
        [
            .. document.RootElement.EnumerateArray()
                .SelectMany(function => function.GetProperty("bindings").EnumerateArray())
                .Where(binding => string.Equals(binding.GetProperty("type").GetString(), "timerTrigger", StringComparison.OrdinalIgnoreCase))
                .Select(binding => binding.GetProperty("schedule").GetString() ?? string.Empty)
                .Where(schedule => schedule.Contains('%', StringComparison.Ordinal)),
        ];
        return [.. schedules.Prepend(TaskHubExpression(hostJson)).Select(OneSettingName).Distinct(StringComparer.Ordinal)];
    }

    /// <summary>
    /// The schedule of every timer trigger of a <c>functions.metadata</c> document, resolved against
    /// <paramref name="configuration"/> (null where it does not resolve).
    /// </summary>
    public static IReadOnlyList<string?> TimerSchedules(IConfiguration configuration, string functionsMetadata)
    {
        using JsonDocument document = JsonDocument.Parse(functionsMetadata);
        return
        [
            .. document.RootElement.EnumerateArray()
                .SelectMany(function => function.GetProperty("bindings").EnumerateArray())
                .Where(binding => string.Equals(binding.GetProperty("type").GetString(), "timerTrigger", StringComparison.OrdinalIgnoreCase))
                .Select(binding => Resolve(configuration, binding.GetProperty("schedule").GetString() ?? string.Empty)),
        ];
    }

    /// <summary>
    /// True for a schedule the timer extension accepts: NCRONTAB with seconds (six fields, parsed by the library
    /// the extension uses) or a time span between runs (<c>hh:mm:ss</c>).
    /// </summary>
    public static bool IsValidTimerSchedule(string? schedule) =>
        !string.IsNullOrWhiteSpace(schedule)
        && (NCrontab.CrontabSchedule.TryParse(schedule, new NCrontab.CrontabSchedule.ParseOptions { IncludingSeconds = true }) is not null
            || (schedule.Contains(':', StringComparison.Ordinal) && TimeSpan.TryParse(schedule, System.Globalization.CultureInfo.InvariantCulture, out _)));

    private static string OneSettingName(string expression) =>
        expression is ['%', .. var name, '%'] && !name.Contains('%', StringComparison.Ordinal)
            ? name
            : throw new InvalidDataException($"'{expression}' is not one %setting%.");

    // The host takes whatever stands between two percent signs as the setting's name.
    [GeneratedRegex("%([^%\"\\s]+)%")]
    private static partial Regex SettingReference();

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9]{2,44}$")]
    private static partial Regex TaskHubName();
}
