using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Recommender.Infra.Tests.Tooling;

namespace Recommender.Infra.Tests.Bicep;

/// <summary>The compiled ARM JSON of main.bicep (modules inlined) holds the security and identity rules.</summary>
[Trait("Category", "Infra")]
public sealed partial class MainTemplateTests
{
    private static async Task<ArmTemplate> CompiledMainAsync()
    {
        TemplateBuild build = await InfraArtifacts.BuildAsync();
        Assert.True(build.Result.ExitCode == 0, build.Result.Transcript);
        return build.Compiled("main.bicep");
    }

    [Fact]
    public async Task StorageAccount_Properties_RefuseKeysPlainHttpOldTlsAndPublicBlobs()
    {
        ArmTemplate main = await CompiledMainAsync();

        ArmResource storage = Assert.Single(main.OfType("Microsoft.Storage/storageAccounts"));
        JsonObject properties = storage.Properties;
        Assert.False(properties["allowSharedKeyAccess"]!.GetValue<bool>());
        Assert.Equal("TLS1_2", properties["minimumTlsVersion"]!.GetValue<string>());
        Assert.True(properties["supportsHttpsTrafficOnly"]!.GetValue<bool>());
        Assert.False(properties["allowBlobPublicAccess"]!.GetValue<bool>());
    }

    [Fact]
    public async Task FunctionApp_Identity_IsUserAssignedOnly()
    {
        ArmTemplate main = await CompiledMainAsync();

        ArmResource site = Assert.Single(main.OfType("Microsoft.Web/sites"));
        JsonObject identity = site.Json["identity"]!.AsObject();
        Assert.Equal("UserAssigned", identity["type"]!.GetValue<string>());
        Assert.Single(identity["userAssignedIdentities"]!.AsObject());
    }

    [Fact]
    public async Task FunctionApp_Hosting_IsFlexConsumptionDotnetIsolated10()
    {
        ArmTemplate main = await CompiledMainAsync();

        ArmResource plan = Assert.Single(main.OfType("Microsoft.Web/serverfarms"));
        Assert.Equal("FC1", plan.Json["sku"]!["name"]!.GetValue<string>());
        JsonObject functionAppConfig = Assert.Single(main.OfType("Microsoft.Web/sites")).Properties["functionAppConfig"]!.AsObject();
        Assert.Equal("dotnet-isolated", functionAppConfig["runtime"]!["name"]!.GetValue<string>());
        Assert.Equal("10.0", functionAppConfig["runtime"]!["version"]!.GetValue<string>());
        Assert.Equal("UserAssignedIdentity", functionAppConfig["deployment"]!["storage"]!["authentication"]!["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task AppSettings_HostStorage_IsIdentityBased()
    {
        ArmTemplate main = await CompiledMainAsync();

        string settings = Assert.Single(main.OfType("Microsoft.Web/sites/config")).Json["properties"]!.ToString();
        Assert.Contains("'AzureWebJobsStorage__accountName'", settings, StringComparison.Ordinal);
        Assert.Contains("'AzureWebJobsStorage__credential', 'managedidentity'", settings, StringComparison.Ordinal);
        Assert.Contains("'AzureWebJobsStorage__clientId'", settings, StringComparison.Ordinal);
        Assert.DoesNotContain("'AzureWebJobsStorage',", settings, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Template_Text_HoldsNoStorageKeysOrConnectionStrings()
    {
        string text = (await CompiledMainAsync()).Text;

        Assert.DoesNotContain("AccountKey=", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("DefaultEndpointsProtocol", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("SharedAccessSignature", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotMatch(ListCallOnStorage(), text);
    }

    [Fact]
    public async Task Template_ListKeys_OnlyReadsTheBlobExtensionKeyOfTheFunctionHost()
    {
        string text = (await CompiledMainAsync()).Text;

        MatchCollection calls = ListKeysCall().Matches(text);
        Assert.NotEmpty(calls);
        Assert.All(calls, call =>
        {
            Assert.Contains("/host/default", call.Value, StringComparison.Ordinal);
            Assert.Contains("Microsoft.Web/sites", call.Value, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task RoleAssignments_Names_AreGuidsOfScopePrincipalAndRole()
    {
        ArmTemplate main = await CompiledMainAsync();

        IReadOnlyList<ArmResource> assignments = main.OfType("Microsoft.Authorization/roleAssignments");
        Assert.NotEmpty(assignments);
        Assert.All(assignments, assignment =>
        {
            IReadOnlyList<string>? parts = ArmExpression.CallArguments(assignment.Name, "guid");
            Assert.True(parts is { Count: 3 }, $"Role assignment name is not guid(scope, principal, role): {assignment.Name}");
            Assert.Equal(ArmExpression.Unwrap(assignment.Json["scope"]!.GetValue<string>()), parts[0]);
            Assert.Equal(ArmExpression.Unwrap(assignment.Properties["principalId"]!.GetValue<string>()), parts[1]);
            Assert.Contains(parts[2], assignment.Properties["roleDefinitionId"]!.GetValue<string>(), StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task GpuResources_Conditions_DependOnEnableGpuTraining()
    {
        ArmTemplate main = await CompiledMainAsync();

        string[] gpuTypes = ["Microsoft.App/managedEnvironments", "Microsoft.App/jobs"];
        IReadOnlyList<ArmResource> gpuResources = [.. gpuTypes.SelectMany(main.OfType)];
        Assert.Equal(gpuTypes.Length, gpuResources.Count);
        Assert.All(gpuResources, resource =>
            Assert.Contains(resource.Conditions, condition => condition.Contains("parameters('enableGpuTraining')", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Outputs_Main_NameTheAppApiAndStorage()
    {
        ArmTemplate main = await CompiledMainAsync();

        Assert.Subset(
            main.OutputNames.ToHashSet(StringComparer.Ordinal),
            new HashSet<string>(StringComparer.Ordinal)
            {
                "AZURE_FUNCTION_APP_NAME",
                "AZURE_FUNCTION_APP_HOSTNAME",
                "RECOMMENDER_API_BASE_URL",
                "AZURE_STORAGE_ACCOUNT_NAME",
                "AZURE_STORAGE_BLOB_ENDPOINT",
            });
    }

    [GeneratedRegex(@"list(Keys|AccountSas|ServiceSas|ConnectionStrings)\([^\]]*Microsoft\.Storage", RegexOptions.IgnoreCase)]
    private static partial Regex ListCallOnStorage();

    [GeneratedRegex(@"listKeys\([^\]]*")]
    private static partial Regex ListKeysCall();
}
