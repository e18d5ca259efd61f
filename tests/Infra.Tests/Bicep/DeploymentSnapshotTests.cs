using System.Text.Json.Nodes;
using Recommender.Infra.Tests.Tooling;

namespace Recommender.Infra.Tests.Bicep;

/// <summary>
/// What main.bicep would deploy, predicted by <c>bicep snapshot</c> with the parameters of a
/// first <c>azd up</c> and with GPU training on: conditions resolved, values evaluated.
/// </summary>
[Trait("Category", "Infra")]
public sealed class DeploymentSnapshotTests
{
    private const string Storage = "Microsoft.Storage/storageAccounts";
    private const string ApplicationInsights = "Microsoft.Insights/components";
    private const string Job = "Microsoft.App/jobs";
    private const string Registry = "Microsoft.ContainerRegistry/registries";

    private static async Task<DeploymentSnapshot> SnapshotOfAsync(DeploymentScenario scenario) =>
        (await InfraArtifacts.SnapshotAsync(scenario)).Snapshot;

    private static HashSet<RoleGrant> GrantsOf(DeploymentSnapshot snapshot) =>
        [.. snapshot.OfType("Microsoft.Authorization/roleAssignments").Select(RoleGrant.From)];

    private static string StorageAccountName(DeploymentSnapshot snapshot) =>
        snapshot.Single(Storage)["name"]!.GetValue<string>();

    [Fact]
    public async Task Defaults_RoleAssignments_AreExactlyTheFunctionAppsStorageAndTelemetryRoles()
    {
        DeploymentSnapshot snapshot = await SnapshotOfAsync(DeploymentScenario.Defaults);

        HashSet<RoleGrant> expected =
        [
            new(RoleGrant.StorageBlobDataOwner, "func", Storage),
            new(RoleGrant.StorageQueueDataContributor, "func", Storage),
            new(RoleGrant.StorageTableDataContributor, "func", Storage),
            new(RoleGrant.MonitoringMetricsPublisher, "func", ApplicationInsights),
        ];
        Assert.Equal(expected, GrantsOf(snapshot));
    }

    [Fact]
    public async Task Defaults_AppSettings_ConnectHostAndTriggerToStorageWithTheIdentity()
    {
        DeploymentSnapshot snapshot = await SnapshotOfAsync(DeploymentScenario.Defaults);

        IReadOnlyDictionary<string, string> settings = snapshot.AppSettings;
        Assert.Equal(StorageAccountName(snapshot), settings["AzureWebJobsStorage__accountName"]);
        Assert.Equal("managedidentity", settings["AzureWebJobsStorage__credential"]);
        Assert.Equal("managedidentity", settings["InteractionsStorage__credential"]);
        Assert.All(
            ["AzureWebJobsStorage__clientId", "InteractionsStorage__clientId", "Recommender__Storage__ManagedIdentityClientId"],
            name => Assert.Matches(@"userAssignedIdentities/id-func-[a-z0-9]+', '[0-9-]+'\)\.clientId\]$", settings[name]));
        Assert.EndsWith(".primaryEndpoints.blob]", settings["InteractionsStorage__blobServiceUri"], StringComparison.Ordinal);
        Assert.EndsWith(".primaryEndpoints.queue]", settings["InteractionsStorage__queueServiceUri"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Defaults_AppSettings_HoldNoConnectionStringOrKey()
    {
        DeploymentSnapshot snapshot = await SnapshotOfAsync(DeploymentScenario.Defaults);

        IReadOnlyDictionary<string, string> settings = snapshot.AppSettings;
        Assert.DoesNotContain("AzureWebJobsStorage", settings.Keys);
        Assert.DoesNotContain("InteractionsStorage", settings.Keys);
        Assert.DoesNotContain("Recommender__Storage__ConnectionString", settings.Keys);
        Assert.All(settings.Values, value =>
        {
            Assert.DoesNotContain("AccountKey=", value, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("DefaultEndpointsProtocol", value, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("listKeys", value, StringComparison.OrdinalIgnoreCase);
        });
    }

    [Fact]
    public async Task Defaults_AppSettings_CarryEveryApplicationOptionWithItsDefault()
    {
        DeploymentSnapshot snapshot = await SnapshotOfAsync(DeploymentScenario.Defaults);

        Dictionary<string, string> expected = new(StringComparer.Ordinal)
        {
            ["Recommender__Storage__AccountName"] = StorageAccountName(snapshot),
            ["Recommender__Storage__InteractionsContainer"] = "interactions",
            ["Recommender__Storage__ArtifactsContainer"] = "artifacts",
            ["Recommender__Storage__LookupTable"] = "recommendations",
            ["RecommenderTaskHub"] = "recommender",
            ["RecommenderSchedule"] = "0 0 2 * * *",
            ["Recommender__Pipeline__TopK"] = "100",
            ["Recommender__Pipeline__ShardSize"] = "5000",
            ["Recommender__Pipeline__MaxParallelShards"] = "8",
            ["Recommender__Pipeline__MaxParallelCandidates"] = "3",
            ["Recommender__Pipeline__KeepVersions"] = "3",
            ["Recommender__Training__Kind"] = "auto",
            ["Recommender__Training__Dimension"] = "64",
            ["Recommender__Training__Device"] = "cpu",
            ["Recommender__Training__EaseMaxMemoryMB"] = "2700",
            ["Recommender__TrainingHost__Kind"] = "Inline",
            ["AzureWebJobs.InteractionsBlobTrigger.Disabled"] = "true",
            ["AzureWebJobs.InteractionsEventGridBlobTrigger.Disabled"] = "false",
        };
        IReadOnlyDictionary<string, string> settings = snapshot.AppSettings;
        // Without trainingEpochs each model kind keeps its own epoch count, as the CLI does.
        Assert.DoesNotContain("Recommender__Training__Epochs", settings.Keys);
        Assert.All(expected, setting =>
        {
            Assert.True(settings.TryGetValue(setting.Key, out string? value), $"Missing app setting {setting.Key}.");
            Assert.Equal(setting.Value, value);
        });
    }

    [Fact]
    public async Task Defaults_Telemetry_AuthenticatesWithEntraIdOnly()
    {
        DeploymentSnapshot snapshot = await SnapshotOfAsync(DeploymentScenario.Defaults);

        Assert.True(snapshot.Single(ApplicationInsights)["properties"]!["DisableLocalAuth"]!.GetValue<bool>());
        string authentication = snapshot.AppSettings["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"];
        Assert.StartsWith("[format('ClientId={0};Authorization=AAD'", authentication, StringComparison.Ordinal);
        Assert.Contains("userAssignedIdentities/id-func-", authentication, StringComparison.Ordinal);
        Assert.Contains("APPLICATIONINSIGHTS_CONNECTION_STRING", snapshot.AppSettings.Keys);
    }

    [Fact]
    public async Task Defaults_Storage_HasTheDataContainersThePackageContainerAndTheLookupTable()
    {
        DeploymentSnapshot snapshot = await SnapshotOfAsync(DeploymentScenario.Defaults);

        string account = StorageAccountName(snapshot);
        Assert.Equal(
            new HashSet<string> { $"{account}/default/interactions", $"{account}/default/artifacts", $"{account}/default/app-package" },
            snapshot.OfType("Microsoft.Storage/storageAccounts/blobServices/containers").Select(c => c["name"]!.GetValue<string>()).ToHashSet());
        Assert.Equal(
            $"{account}/default/recommendations",
            snapshot.Single("Microsoft.Storage/storageAccounts/tableServices/tables")["name"]!.GetValue<string>());
        string package = DeploymentSnapshot.StringAt(snapshot.Single("Microsoft.Web/sites"), "properties", "functionAppConfig", "deployment", "storage", "value")!;
        Assert.EndsWith("'app-package')]", package, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Defaults_GpuTraining_IsAbsentAndTrainingRunsInline()
    {
        DeploymentSnapshot snapshot = await SnapshotOfAsync(DeploymentScenario.Defaults);

        Assert.DoesNotContain(snapshot.Resources, resource => DeploymentSnapshot.TypeOf(resource).StartsWith("Microsoft.App/", StringComparison.Ordinal));
        Assert.Equal("Inline", snapshot.AppSettings["Recommender__TrainingHost__Kind"]);
        Assert.DoesNotContain("Recommender__TrainingHost__ContainerJob__JobResourceId", snapshot.AppSettings.Keys);
    }

    [Fact]
    public async Task Defaults_BlobEvents_HaveATopicButNoSubscriptionBeforeTheCodeIsDeployed()
    {
        DeploymentSnapshot snapshot = await SnapshotOfAsync(DeploymentScenario.Defaults);

        JsonObject topic = snapshot.Single("Microsoft.EventGrid/systemTopics");
        Assert.Equal("Microsoft.Storage.StorageAccounts", DeploymentSnapshot.StringAt(topic, "properties", "topicType"));
        Assert.EndsWith($"/storageAccounts/{StorageAccountName(snapshot)}", DeploymentSnapshot.StringAt(topic, "properties", "source"), StringComparison.Ordinal);
        Assert.Empty(snapshot.OfType("Microsoft.EventGrid/systemTopics/eventSubscriptions"));
    }

    [Fact]
    public async Task ServerlessGpu_Resources_AreAnEnvironmentWithTheGpuProfileAndAManualJob()
    {
        DeploymentSnapshot snapshot = await SnapshotOfAsync(DeploymentScenario.ServerlessGpu);

        JsonArray profiles = snapshot.Single("Microsoft.App/managedEnvironments")["properties"]!["workloadProfiles"]!.AsArray();
        JsonObject gpuProfile = Assert.Single(profiles.OfType<JsonObject>(), p => p["workloadProfileType"]!.GetValue<string>() == "Consumption-GPU-NC8as-T4");
        JsonObject job = snapshot.Single(Job);
        Assert.Equal(gpuProfile["name"]!.GetValue<string>(), DeploymentSnapshot.StringAt(job, "properties", "workloadProfileName"));
        Assert.Equal("Manual", DeploymentSnapshot.StringAt(job, "properties", "configuration", "triggerType"));
        Assert.Equal(7200, job["properties"]!["configuration"]!["replicaTimeout"]!.GetValue<int>());
        JsonObject container = job["properties"]!["template"]!["containers"]![0]!.AsObject();
        Assert.Equal("recommenderacr.azurecr.io/recommender-training:cuda", container["image"]!.GetValue<string>());
        Assert.Equal(["dotnet", "recommender.dll"], container["command"]!.AsArray().Select(part => part!.GetValue<string>()));
        Assert.Equal("train", container["args"]![0]!.GetValue<string>());
        Assert.Contains("/userAssignedIdentities/id-train-", job["identity"]!["userAssignedIdentities"]!.AsObject().Single().Key, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServerlessGpu_RoleAssignments_AddTheJobsOwnAndTheStarterRoles()
    {
        DeploymentSnapshot snapshot = await SnapshotOfAsync(DeploymentScenario.ServerlessGpu);

        HashSet<RoleGrant> expected =
        [
            new(RoleGrant.StorageBlobDataOwner, "func", Storage),
            new(RoleGrant.StorageQueueDataContributor, "func", Storage),
            new(RoleGrant.StorageTableDataContributor, "func", Storage),
            new(RoleGrant.MonitoringMetricsPublisher, "func", ApplicationInsights),
            new(RoleGrant.ContainerAppsJobsOperator, "func", Job),
            new(RoleGrant.StorageBlobDataContributor, "train", Storage),
            new(RoleGrant.AcrPull, "train", Registry),
        ];
        Assert.Equal(expected, GrantsOf(snapshot));
    }

    [Fact]
    public async Task ServerlessGpu_AppSettings_StartTrainingOnTheJob()
    {
        DeploymentSnapshot snapshot = await SnapshotOfAsync(DeploymentScenario.ServerlessGpu);

        IReadOnlyDictionary<string, string> settings = snapshot.AppSettings;
        Assert.Equal("ContainerJob", settings["Recommender__TrainingHost__Kind"]);
        Assert.Equal(snapshot.Single(Job)["id"]!.GetValue<string>(), settings["Recommender__TrainingHost__ContainerJob__JobResourceId"]);
        Assert.Equal("02:00:00", settings["Recommender__TrainingHost__ContainerJob__Timeout"]);
        Assert.Equal("00:00:30", settings["Recommender__TrainingHost__ContainerJob__PollInterval"]);
    }

    [Fact]
    public async Task SmallerInstances_EaseMemoryLimit_FollowsTheInstanceMemoryAndExtraSettingsJoin()
    {
        // EASE's fit takes about 0.7 GB + 20·I² + 19·U·I bytes: a 2,048 MB instance leaves it 1,200 MB beside a second activity.
        DeploymentSnapshot snapshot = await SnapshotOfAsync(DeploymentScenario.SmallerInstances);

        Assert.Equal("1200", snapshot.AppSettings["Recommender__Training__EaseMaxMemoryMB"]);
        Assert.Equal("customer", snapshot.AppSettings["Recommender__Columns__UserColumn"]);
        Assert.Equal(2048, snapshot.Single("Microsoft.Web/sites")["properties"]!["functionAppConfig"]!["scaleAndConcurrency"]!["instanceMemoryMB"]!.GetValue<int>());
    }

    [Fact]
    public async Task ServerlessGpu_Job_FitsEaseOnlyWhereTheAppScoresIt()
    {
        // The app scores what the job trains, with the app's memory: both take the app's cap.
        DeploymentSnapshot snapshot = await SnapshotOfAsync(DeploymentScenario.ServerlessGpu);

        JsonArray environment = snapshot.Single(Job)["properties"]!["template"]!["containers"]![0]!["env"]!.AsArray();
        JsonObject cap = Assert.Single(environment.OfType<JsonObject>(), variable => variable["name"]!.GetValue<string>() == "Recommender__Training__EaseMaxMemoryMB");
        Assert.Equal(snapshot.AppSettings["Recommender__Training__EaseMaxMemoryMB"], cap["value"]!.GetValue<string>());
    }

    [Fact]
    public async Task ServerlessGpu_BlobTriggerSubscription_DeliversNewInteractionLogsToTheEventGridTrigger()
    {
        DeploymentSnapshot snapshot = await SnapshotOfAsync(DeploymentScenario.ServerlessGpu);

        JsonObject subscription = snapshot.Single("Microsoft.EventGrid/systemTopics/eventSubscriptions");
        JsonNode properties = subscription["properties"]!;
        Assert.Equal("WebHook", DeploymentSnapshot.StringAt(properties, "destination", "endpointType"));
        string endpoint = DeploymentSnapshot.StringAt(properties, "destination", "properties", "endpointUrl")!;
        Assert.Contains("/runtime/webhooks/blobs?functionName=Host.Functions.{1}&code={2}", endpoint, StringComparison.Ordinal);
        Assert.Contains("'InteractionsEventGridBlobTrigger'", endpoint, StringComparison.Ordinal);
        Assert.Contains("/host/default", endpoint, StringComparison.Ordinal);
        Assert.EndsWith(".systemKeys.blobs_extension)]", endpoint, StringComparison.Ordinal);
        Assert.Equal(["Microsoft.Storage.BlobCreated"], properties["filter"]!["includedEventTypes"]!.AsArray().Select(type => type!.GetValue<string>()));
        Assert.Equal("/blobServices/default/containers/interactions/", DeploymentSnapshot.StringAt(properties, "filter", "subjectBeginsWith"));
    }

    [Fact]
    public async Task DedicatedGpu_WorkloadProfile_IsBoundedAndTheContainerTakesTheWholeNode()
    {
        DeploymentSnapshot snapshot = await SnapshotOfAsync(DeploymentScenario.DedicatedGpu);

        JsonArray profiles = snapshot.Single("Microsoft.App/managedEnvironments")["properties"]!["workloadProfiles"]!.AsArray();
        JsonObject gpuProfile = Assert.Single(profiles.OfType<JsonObject>(), p => p["workloadProfileType"]!.GetValue<string>() == "NC24-A100");
        Assert.Equal(0, gpuProfile["minimumCount"]!.GetValue<int>());
        Assert.Equal(1, gpuProfile["maximumCount"]!.GetValue<int>());
        JsonObject job = snapshot.Single(Job);
        JsonNode resources = job["properties"]!["template"]!["containers"]![0]!["resources"]!;
        Assert.Equal(24, resources["cpu"]!.GetValue<int>());
        Assert.Equal("220Gi", resources["memory"]!.GetValue<string>());
        Assert.Empty(job["properties"]!["configuration"]!["registries"]!.AsArray());
        Assert.DoesNotContain(GrantsOf(snapshot), grant => grant.Role == RoleGrant.AcrPull);
    }

    [Fact]
    public async Task GpuWithoutImage_Snapshot_FailsNamingTheMissingImage()
    {
        SnapshotRun run = await InfraArtifacts.SnapshotAsync(DeploymentScenario.GpuWithoutImage);

        Assert.NotEqual(0, run.Result.ExitCode);
        Assert.Contains("trainingImage is required", run.Result.StandardOutput + run.Result.StandardError, StringComparison.Ordinal);
    }
}
