using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Recommender.Infra.Tests.Tooling;

namespace Recommender.Infra.Tests.Azd;

/// <summary>azure.yaml, the parameters file and the postdeploy hook agree with the templates and the code.</summary>
[Trait("Category", "Infra")]
public sealed partial class AzdProjectTests
{
    private static readonly string s_azureYaml = File.ReadAllText(Repository.PathOf("azure.yaml"));

    private static async Task<ArmTemplate> CompiledAsync(string template)
    {
        TemplateBuild build = await InfraArtifacts.BuildAsync();
        Assert.True(build.Result.ExitCode == 0, build.Result.Transcript);
        return build.Compiled(template);
    }

    [Fact]
    public void AzureYaml_ApiService_DeploysTheFunctionsProjectAsAFunctionApp()
    {
        Match service = ApiService().Match(s_azureYaml);

        Assert.True(service.Success, "azure.yaml has no 'api' service with project, language and host.");
        Assert.Equal("./src/Functions", service.Groups["project"].Value);
        Assert.Equal("dotnet", service.Groups["language"].Value);
        Assert.Equal("function", service.Groups["host"].Value);
        Assert.True(File.Exists(Repository.PathOf("src", "Functions", "Recommender.Functions.csproj")));
    }

    [Fact]
    public void AzureYaml_Infra_IsTheBicepMainTemplate()
    {
        Assert.Matches(@"(?m)^\s+provider: bicep\s*$", s_azureYaml);
        Assert.Matches(@"(?m)^\s+path: infra/bicep\s*$", s_azureYaml);
        Assert.Matches(@"(?m)^\s+module: main\s*$", s_azureYaml);
        Assert.True(File.Exists(Path.Combine(Repository.BicepFolder, "main.bicep")));
    }

    [Fact]
    public async Task MainParameters_EveryEntry_IsAParameterOfMain()
    {
        ArmTemplate main = await CompiledAsync("main.bicep");

        IEnumerable<string> supplied = ParametersFile().Select(entry => entry.Key);
        Assert.All(supplied, name => Assert.Contains(name, main.Parameters.Keys));
    }

    [Fact]
    public async Task MainParameters_RequiredParameters_ComeFromTheAzdEnvironment()
    {
        ArmTemplate main = await CompiledAsync("main.bicep");

        JsonObject supplied = ParametersFile();
        IEnumerable<string> required = main.Parameters.Where(parameter => !parameter.Value.ContainsKey("defaultValue")).Select(parameter => parameter.Key);
        Assert.All(required, name => Assert.Matches(@"^\$\{[A-Z_]+\}$", supplied[name]?["value"]?.GetValue<string>() ?? ""));
    }

    [Theory]
    [InlineData("postdeploy.sh")]
    [InlineData("postdeploy.ps1")]
    public void PostdeployHook_Script_IsTheOneAzureYamlRuns(string script)
    {
        Assert.Contains($"run: ./infra/bicep/hooks/{script}", s_azureYaml, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(Repository.BicepFolder, "hooks", script)));
    }

    [Theory]
    [InlineData("postdeploy.sh")]
    [InlineData("postdeploy.ps1")]
    public async Task PostdeployHook_Variables_AreOutputsOfMainOrItsOwnSwitch(string script)
    {
        ArmTemplate main = await CompiledAsync("main.bicep");
        string text = File.ReadAllText(Path.Combine(Repository.BicepFolder, "hooks", script));

        Regex variable = script.EndsWith(".ps1", StringComparison.Ordinal) ? PowerShellVariable() : ShellVariable();
        string[] used = [.. variable.Matches(text).Select(match => match.Groups["name"].Value).Distinct()];
        Assert.NotEmpty(used);
        Assert.All(used.Where(name => name != "BLOB_TRIGGER_SUBSCRIPTION_ENABLED"), name => Assert.Contains(name, main.OutputNames));
        Assert.Contains("BLOB_TRIGGER_SUBSCRIPTION_ENABLED", ParametersFile()["blobTriggerSubscriptionEnabled"]!["value"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("postdeploy.sh")]
    [InlineData("postdeploy.ps1")]
    public async Task PostdeployHook_Deployment_PassesParametersTheSubscriptionTemplateDeclares(string script)
    {
        ArmTemplate subscription = await CompiledAsync(Path.Combine("modules", "blob-trigger-subscription.bicep"));
        string text = File.ReadAllText(Path.Combine(Repository.BicepFolder, "hooks", script));

        Assert.Contains("--template-file infra/bicep/modules/blob-trigger-subscription.bicep", text, StringComparison.Ordinal);
        string[] passed = [.. HookParameter().Matches(text).Select(match => match.Groups["name"].Value)];
        string[] required = [.. subscription.Parameters.Where(p => !p.Value.ContainsKey("defaultValue")).Select(p => p.Key)];
        Assert.Equal(required.Order(StringComparer.Ordinal), passed.Order(StringComparer.Ordinal));
    }

    private static JsonObject ParametersFile() =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(Repository.BicepFolder, "main.parameters.json")))!["parameters"]!.AsObject();

    [GeneratedRegex(@"(?m)^  api:\s*\n    project: (?<project>\S+)\s*\n    language: (?<language>\S+)\s*\n    host: (?<host>\S+)\s*$")]
    private static partial Regex ApiService();

    // $NAME, ${NAME}, ${NAME:-x}: upper case names are the environment's, lower case the script's own.
    [GeneratedRegex(@"\$\{?(?<name>[A-Z][A-Z0-9_]+)")]
    private static partial Regex ShellVariable();

    [GeneratedRegex(@"\$env:(?<name>[A-Z][A-Z0-9_]+)")]
    private static partial Regex PowerShellVariable();

    // name=$VALUE, name="$VALUE" or name=$env:VALUE, where VALUE is an azd environment value.
    [GeneratedRegex(@"\s(?<name>[a-zA-Z]+)=""?\$(?:env:)?[A-Z]")]
    private static partial Regex HookParameter();
}
