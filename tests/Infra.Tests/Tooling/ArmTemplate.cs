using System.Text.Json.Nodes;

namespace Recommender.Infra.Tests.Tooling;

/// <summary>A resource declared in a compiled ARM template, nested module templates included.</summary>
/// <param name="Type">Resource type, e.g. <c>Microsoft.Storage/storageAccounts</c>.</param>
/// <param name="Json">The resource declaration as compiled.</param>
/// <param name="Conditions">Its <c>condition</c> expression and those of the module deployments around it.</param>
internal sealed record ArmResource(string Type, JsonObject Json, IReadOnlyList<string> Conditions)
{
    /// <summary>The <c>name</c> expression or literal.</summary>
    public string Name => Json["name"]?.GetValue<string>() ?? "";

    /// <summary>The <c>properties</c> object (empty when absent or an expression).</summary>
    public JsonObject Properties => Json["properties"] as JsonObject ?? [];

    /// <summary>Whether the resource only refers to one that exists already.</summary>
    public bool IsExisting => Json["existing"]?.GetValue<bool>() == true;
}

/// <summary>A compiled ARM template (the JSON that <c>bicep build</c> writes).</summary>
internal sealed class ArmTemplate
{
    private ArmTemplate(string path, JsonObject root)
    {
        Path = path;
        Root = root;
    }

    /// <summary>File the template was read from.</summary>
    public string Path { get; }

    /// <summary>The whole template.</summary>
    public JsonObject Root { get; }

    /// <summary>The template's text as written by the compiler.</summary>
    public string Text => File.ReadAllText(Path);

    /// <summary>Parameters by name.</summary>
    public IReadOnlyDictionary<string, JsonObject> Parameters =>
        (Root["parameters"] as JsonObject ?? [])
            .ToDictionary(parameter => parameter.Key, parameter => parameter.Value!.AsObject(), StringComparer.Ordinal);

    /// <summary>Names of the outputs.</summary>
    public IReadOnlyCollection<string> OutputNames =>
        (Root["outputs"] as JsonObject ?? []).Select(output => output.Key).ToArray();

    /// <summary>Every resource this template declares, through nested deployments; <c>existing</c> ones excluded.</summary>
    public IReadOnlyList<ArmResource> Resources => [.. DeclaredResources(Root, []).Where(resource => !resource.IsExisting)];

    /// <summary>Reads a compiled template.</summary>
    public static ArmTemplate Load(string path) =>
        new(path, JsonNode.Parse(File.ReadAllText(path))?.AsObject()
            ?? throw new InvalidDataException($"'{path}' is not a JSON object."));

    /// <summary>Resources of one type.</summary>
    public IReadOnlyList<ArmResource> OfType(string type) =>
        [.. Resources.Where(resource => string.Equals(resource.Type, type, StringComparison.OrdinalIgnoreCase))];

    private static IEnumerable<ArmResource> DeclaredResources(JsonObject template, IReadOnlyList<string> outerConditions)
    {
        // languageVersion 2.0 keys resources by symbolic name; 1.0 lists them.
        IEnumerable<JsonNode?> declarations = template["resources"] switch
        {
            JsonObject bySymbol => bySymbol.Select(pair => pair.Value),
            JsonArray list => list,
            _ => [],
        };

        foreach (JsonObject declaration in declarations.OfType<JsonObject>())
        {
            string type = declaration["type"]?.GetValue<string>() ?? "";
            IReadOnlyList<string> conditions = declaration["condition"] is JsonNode condition
                ? [.. outerConditions, condition.ToString()]
                : outerConditions;
            yield return new ArmResource(type, declaration, conditions);

            if (type == "Microsoft.Resources/deployments" && declaration["properties"]?["template"] is JsonObject nested)
            {
                foreach (ArmResource resource in DeclaredResources(nested, conditions))
                {
                    yield return resource;
                }
            }
        }
    }
}
