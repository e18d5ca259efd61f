using Microsoft.Extensions.Configuration;
using Recommender.Core.Ingestion;

namespace Recommender.Functions.Hosting;

/// <summary>
/// The logs' column mapping from the app's settings (<c>Recommender__Columns__UserColumn</c> and so on, as the CLI's
/// <c>--user-column</c>): a role whose setting is absent is detected from the column names; a setting that is empty
/// or blank says the logs have no such column (app settings cannot always hold an empty value, and a column name of
/// spaces is no name). Read once at start-up; a misspelled setting or an unknown timestamp unit stops the app with a
/// message that names it, as the validated options do.
/// </summary>
internal static class ColumnSettings
{
    private static readonly string[] Names =
    [
        nameof(ColumnMapping.UserColumn),
        nameof(ColumnMapping.ItemColumn),
        nameof(ColumnMapping.ValueColumn),
        nameof(ColumnMapping.EventTypeColumn),
        nameof(ColumnMapping.TimestampColumn),
        nameof(ColumnMapping.TimestampUnit),
    ];

    /// <summary>The mapping of the <see cref="ColumnMapping.SectionName"/> section of <paramref name="configuration"/>.</summary>
    /// <exception cref="InvalidOperationException">A setting of the section is not one of the mapping's, or the timestamp unit is not one of <see cref="TimestampUnit"/>.</exception>
    public static ColumnMapping Read(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        IConfigurationSection section = configuration.GetSection(ColumnMapping.SectionName);
        foreach (IConfigurationSection setting in section.GetChildren())
        {
            if (!Names.Contains(setting.Key, StringComparer.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException(
                    $"{Setting(setting.Key)} is not a column setting; the settings are {string.Join(", ", Names.Select(Setting))}.");
            }
        }

        string? unit = section[nameof(ColumnMapping.TimestampUnit)];
        TimestampUnit timestampUnit = TimestampUnit.Auto;
        if (!string.IsNullOrWhiteSpace(unit) && (!Enum.TryParse(unit.Trim(), ignoreCase: true, out timestampUnit) || !Enum.IsDefined(timestampUnit)))
        {
            throw new InvalidOperationException(
                $"{Setting(nameof(ColumnMapping.TimestampUnit))} is '{unit}'; it must be one of {string.Join(", ", Enum.GetNames<TimestampUnit>())}.");
        }

        return new ColumnMapping
        {
            UserColumn = Name(section, nameof(ColumnMapping.UserColumn)),
            ItemColumn = Name(section, nameof(ColumnMapping.ItemColumn)),
            ValueColumn = Name(section, nameof(ColumnMapping.ValueColumn)),
            EventTypeColumn = Name(section, nameof(ColumnMapping.EventTypeColumn)),
            TimestampColumn = Name(section, nameof(ColumnMapping.TimestampColumn)),
            TimestampUnit = timestampUnit,
        };
    }

    /// <summary>Null (detect) when the setting is absent, empty (no such column) when blank, else the trimmed name.</summary>
    private static string? Name(IConfigurationSection section, string key)
    {
        IConfigurationSection setting = section.GetSection(key);
        if (!setting.Exists())
        {
            return null;
        }

        return string.IsNullOrWhiteSpace(setting.Value) ? string.Empty : setting.Value.Trim();
    }

    private static string Setting(string key) => $"Recommender__Columns__{key}";
}
