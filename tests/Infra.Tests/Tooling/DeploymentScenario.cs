namespace Recommender.Infra.Tests.Tooling;

/// <summary>A set of parameters for <c>infra/bicep/main.bicep</c>, written as Bicep literals.</summary>
/// <param name="Name">File name of the scenario's parameters file.</param>
/// <param name="Parameters">Parameter name to Bicep literal, beyond the required environment name and location.</param>
internal sealed record DeploymentScenario(string Name, IReadOnlyDictionary<string, string> Parameters)
{
    /// <summary>Only the required parameters: what a first <c>azd up</c> deploys.</summary>
    public static readonly DeploymentScenario Defaults = new("defaults", new Dictionary<string, string>());

    /// <summary>Function App instances of 2,048 MB rather than the default 4,096 MB, and a setting of the user's own.</summary>
    public static readonly DeploymentScenario SmallerInstances = new("smaller-instances", new Dictionary<string, string>
    {
        ["instanceMemoryMB"] = "2048",
        ["additionalAppSettings"] = "{ Recommender__Columns__UserColumn: 'customer' }",
    });

    /// <summary>Serverless T4 GPU training from a private registry, blob trigger subscription on.</summary>
    public static readonly DeploymentScenario ServerlessGpu = new("serverless-gpu", new Dictionary<string, string>
    {
        ["enableGpuTraining"] = "true",
        ["gpuWorkloadProfileType"] = "'Consumption-GPU-NC8as-T4'",
        ["trainingImage"] = "'recommenderacr.azurecr.io/recommender-training:cuda'",
        ["containerRegistryName"] = "'recommenderacr'",
        ["blobTriggerSubscriptionEnabled"] = "true",
    });

    /// <summary>Dedicated A100 GPU training from a public image.</summary>
    public static readonly DeploymentScenario DedicatedGpu = new("dedicated-gpu", new Dictionary<string, string>
    {
        ["enableGpuTraining"] = "true",
        ["gpuWorkloadProfileType"] = "'NC24-A100'",
        ["trainingImage"] = "'ghcr.io/example/recommender-training:cuda'",
    });

    /// <summary>GPU training asked for without an image: must be refused.</summary>
    public static readonly DeploymentScenario GpuWithoutImage = new("gpu-without-image", new Dictionary<string, string>
    {
        ["enableGpuTraining"] = "true",
    });

    /// <summary>The environment name every scenario deploys.</summary>
    public const string EnvironmentName = "infratest";

    /// <summary>The <c>.bicepparam</c> text of this scenario, for a file in <paramref name="folder"/>.</summary>
    public string ToBicepParam(string folder)
    {
        string main = Path.GetRelativePath(folder, Path.Combine(Repository.BicepFolder, "main.bicep")).Replace('\\', '/');
        IEnumerable<string> lines =
        [
            $"using '{main}'",
            $"param environmentName = '{EnvironmentName}'",
            $"param location = '{BicepCli.SnapshotLocation}'",
            .. Parameters.Select(parameter => $"param {parameter.Key} = {parameter.Value}"),
        ];
        return string.Join('\n', lines) + '\n';
    }
}
