using System.Collections;
using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace Recommender.Functions.Hosting;

/// <summary>
/// Refuses a setting of an options section that names no option. The configuration binder skips such a setting
/// without a word, so a misspelled or retired app setting would leave the app on a default the user believes they
/// changed. Checked once at start-up, as the column settings are; the message names the setting as app settings
/// write it (<c>Recommender__Training__Dimenson</c>) and lists the names the section has.
/// </summary>
internal static class UnknownSettings
{
    /// <summary>Settings that are no longer read, with where their value goes now.</summary>
    private static readonly Dictionary<string, string> Retired = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Recommender:Pipeline:Schedule"] = "the timer's schedule is the app setting RecommenderSchedule (NCRONTAB with seconds, UTC), which the Functions host reads",
    };

    /// <summary>Throws when a setting under <paramref name="section"/> (nested option objects included) is no property of <paramref name="optionsType"/>.</summary>
    /// <exception cref="InvalidOperationException">A setting names no option, or one that is no longer read.</exception>
    public static void ThrowIfAny(IConfiguration configuration, string section, Type optionsType)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(optionsType);
        Check(configuration.GetSection(section), optionsType);
    }

    private static void Check(IConfigurationSection section, Type optionsType)
    {
        Dictionary<string, PropertyInfo> options = optionsType
            .GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .ToDictionary(property => property.Name, StringComparer.OrdinalIgnoreCase);
        foreach (IConfigurationSection setting in section.GetChildren())
        {
            if (Retired.TryGetValue(setting.Path, out string? replacement))
            {
                throw new InvalidOperationException($"{AppSettingName(setting.Path)} is no longer read: {replacement}. Remove it.");
            }

            if (!options.TryGetValue(setting.Key, out PropertyInfo? option))
            {
                throw new InvalidOperationException(
                    $"{AppSettingName(setting.Path)} is not a setting the app reads; the settings of {AppSettingName(section.Path)} are " +
                    $"{string.Join(", ", options.Keys.Order(StringComparer.Ordinal))}.");
            }

            if (IsOptionsObject(option.PropertyType))
            {
                Check(setting, option.PropertyType);
            }
        }
    }

    /// <summary>A class of options of its own (not text, not a collection or dictionary, whose keys are data).</summary>
    private static bool IsOptionsObject(Type type) => type.IsClass && type != typeof(string) && !typeof(IEnumerable).IsAssignableFrom(type);

    /// <summary>The name as an app setting or environment variable writes it: <c>Recommender__Training__Dimension</c>.</summary>
    private static string AppSettingName(string path) => path.Replace(":", "__", StringComparison.Ordinal);
}
