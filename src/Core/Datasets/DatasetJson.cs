using System.Text.Json;
using System.Text.Json.Serialization;

namespace Recommender.Core.Datasets;

/// <summary>
/// JSON settings of dataset manifests: camelCase, indented with "\n" on every platform and enums as names, so the
/// same manifest is the same bytes wherever it is written.
/// </summary>
internal static class DatasetJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        NewLine = "\n",
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };
}
