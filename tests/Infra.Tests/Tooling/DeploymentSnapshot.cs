using System.Text.Json.Nodes;

namespace Recommender.Infra.Tests.Tooling;

/// <summary>
/// What <c>bicep snapshot</c> predicts a deployment creates for given parameters: conditions and
/// loops are resolved, values known before deployment are evaluated, and values that only exist
/// once resources do (ids, keys, module outputs) stay as ARM expressions.
/// </summary>
internal sealed class DeploymentSnapshot
{
    private DeploymentSnapshot(IReadOnlyList<JsonObject> resources) => Resources = resources;

    /// <summary>Every predicted resource.</summary>
    public IReadOnlyList<JsonObject> Resources { get; }

    /// <summary>Reads a <c>*.snapshot.json</c> file.</summary>
    public static DeploymentSnapshot Load(string path)
    {
        JsonObject root = JsonNode.Parse(File.ReadAllText(path))?.AsObject()
            ?? throw new InvalidDataException($"'{path}' is not a JSON object.");
        JsonArray predicted = root["predictedResources"]?.AsArray()
            ?? throw new InvalidDataException($"'{path}' has no predictedResources.");
        return new DeploymentSnapshot([.. predicted.OfType<JsonObject>()]);
    }

    /// <summary>Predicted resources of one type.</summary>
    public IReadOnlyList<JsonObject> OfType(string type) =>
        [.. Resources.Where(resource => string.Equals(TypeOf(resource), type, StringComparison.OrdinalIgnoreCase))];

    /// <summary>The only predicted resource of one type.</summary>
    public JsonObject Single(string type)
    {
        IReadOnlyList<JsonObject> matches = OfType(type);
        Assert.True(matches.Count == 1, $"Expected one {type}, found {matches.Count}.");
        return matches[0];
    }

    /// <summary>The Function App's application settings (name to value or expression).</summary>
    public IReadOnlyDictionary<string, string> AppSettings =>
        Single("Microsoft.Web/sites/config")["properties"]!.AsObject()
            .ToDictionary(setting => setting.Key, setting => setting.Value?.ToString() ?? "", StringComparer.Ordinal);

    /// <summary>Type of a predicted resource.</summary>
    public static string TypeOf(JsonObject resource) => resource["type"]?.GetValue<string>() ?? "";

    /// <summary>A string property at a path of names, or null when absent.</summary>
    public static string? StringAt(JsonNode? node, params string[] path)
    {
        foreach (string name in path)
        {
            node = node?[name];
        }

        return node is JsonValue value && value.TryGetValue(out string? text) ? text : node?.ToJsonString();
    }
}
