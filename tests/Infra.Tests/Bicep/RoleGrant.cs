using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Recommender.Infra.Tests.Tooling;

namespace Recommender.Infra.Tests.Bicep;

/// <summary>Who gets which built-in role on what kind of resource, read from a predicted role assignment.</summary>
/// <param name="Role">Role definition id (GUID).</param>
/// <param name="Identity">Kind of identity: <c>func</c> (the Function App) or <c>train</c> (the training job).</param>
/// <param name="ScopeType">Resource type of the scope, e.g. <c>Microsoft.Storage/storageAccounts</c>.</param>
internal sealed partial record RoleGrant(string Role, string Identity, string ScopeType)
{
    public const string StorageBlobDataOwner = "b7e6dc6d-f1e8-4753-8033-0f276bb0955b";
    public const string StorageBlobDataContributor = "ba92f5b4-2d11-453d-a403-e96b0029c9fe";
    public const string StorageQueueDataContributor = "974c5e8b-45b9-4653-ba55-5f855dd0fb88";
    public const string StorageTableDataContributor = "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3";
    public const string MonitoringMetricsPublisher = "3913510d-42f4-4e42-8a64-420c390055eb";
    public const string AcrPull = "7f951dda-4ed3-4680-a7ca-43fe172d538d";
    public const string ContainerAppsJobsOperator = "b9a307c4-5aa3-4b52-ba60-2b17c136cd7b";

    /// <summary>
    /// Reads a predicted role assignment whose name is <c>guid(scope, principal, role)</c> and checks
    /// that the name's parts are the assignment's own scope, principal and role.
    /// </summary>
    public static RoleGrant From(JsonObject assignment)
    {
        string name = assignment["name"]!.GetValue<string>();
        IReadOnlyList<string>? parts = ArmExpression.CallArguments(name, "guid");
        Assert.True(parts is { Count: 3 }, $"Role assignment name is not guid(scope, principal, role): {name}");

        string scope = parts[0].Trim('\'');
        string principal = parts[1];
        string role = parts[2].Trim('\'');
        JsonObject properties = assignment["properties"]!.AsObject();
        Assert.Equal($"[{principal}]", properties["principalId"]!.GetValue<string>());
        Assert.EndsWith($"/providers/Microsoft.Authorization/roleDefinitions/{role}", properties["roleDefinitionId"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("ServicePrincipal", properties["principalType"]!.GetValue<string>());
        Assert.StartsWith($"[extensionResourceId('{scope}', 'Microsoft.Authorization/roleAssignments'", assignment["id"]!.GetValue<string>(), StringComparison.Ordinal);

        Match identity = IdentityName().Match(principal);
        Assert.True(identity.Success, $"The principal of {name} is not one of the deployment's identities.");
        Match scopeType = ScopeTypeOfId().Match(scope);
        Assert.True(scopeType.Success, $"The scope of {name} is not a resource id.");
        return new RoleGrant(role, identity.Groups[1].Value, scopeType.Groups[1].Value);
    }

    [GeneratedRegex(@"userAssignedIdentities/id-([a-z]+)-[a-z0-9]+'")]
    private static partial Regex IdentityName();

    [GeneratedRegex(@"/providers/([^/]+/[^/]+)/[^/]+$")]
    private static partial Regex ScopeTypeOfId();
}
