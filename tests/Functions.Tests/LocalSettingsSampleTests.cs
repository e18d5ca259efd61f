using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Recommender.Core.Datasets;
using Recommender.Core.Ingestion;
using Recommender.Core.Pipeline;
using Recommender.Core.Preprocessing;
using Recommender.Core.Storage;
using Recommender.Core.Training;
using Recommender.Core.TrainingHosts;
using Recommender.Functions.Hosting;
using Recommender.Functions.Pipeline.Activities;
using Recommender.Functions.Tests.Hosting;
using Recommender.Integration.Tests.Infrastructure;

namespace Recommender.Functions.Tests;

/// <summary>local.settings.sample.json is a working configuration for <c>func start</c> against Azurite.</summary>
public sealed class LocalSettingsSampleTests
{
    private static readonly Dictionary<string, string?> Values = LoadValues();

    [Fact]
    public void Sample_BindsAndValidatesEveryOptionTheAppReads()
    {
        IConfiguration configuration = HostSettingResolver.ConfigurationOf(Values);
        using ServiceProvider services = new ServiceCollection().AddLogging().AddRecommender(configuration).BuildServiceProvider();

        Assert.Equal("UseDevelopmentStorage=true", services.GetRequiredService<IOptions<StorageOptions>>().Value.ConnectionString);
        Assert.Equal(100, services.GetRequiredService<IOptions<PipelineOptions>>().Value.TopK);
        Assert.Equal(SplitKind.StratifiedPerItem, services.GetRequiredService<IOptions<PreprocessingOptions>>().Value.Split.Kind);
        Assert.Equal(5f, services.GetRequiredService<IOptions<PreprocessingOptions>>().Value.EventWeights["purchase"]);
        Assert.Equal(64, services.GetRequiredService<IOptions<TrainingOptions>>().Value.Dimension);
    }

    [Fact]
    public void Sample_NamesNoColumn_SoPreprocessingDetectsEveryColumn()
    {
        IConfiguration configuration = HostSettingResolver.ConfigurationOf(Values);
        using ServiceProvider services = new ServiceCollection().AddLogging().AddRecommender(configuration).BuildServiceProvider();

        Assert.Equal(ColumnMapping.AutoDetect, services.GetRequiredService<ColumnMapping>());
    }

    [Fact]
    public void ColumnSettings_AsAppSettings_NameTheLogsColumnsAndABlankOneSaysNone()
    {
        var values = new Dictionary<string, string?>(Values)
        {
            ["Recommender__Columns__UserColumn"] = "customer",
            ["Recommender__Columns__ItemColumn"] = " sku ",
            ["Recommender__Columns__ValueColumn"] = string.Empty,
            ["Recommender__Columns__TimestampUnit"] = "milliseconds",
        };
        using ServiceProvider services = new ServiceCollection().AddLogging().AddRecommender(HostSettingResolver.ConfigurationOf(values)).BuildServiceProvider();

        Assert.Equal(
            new ColumnMapping { UserColumn = "customer", ItemColumn = "sku", ValueColumn = string.Empty, TimestampUnit = TimestampUnit.Milliseconds },
            services.GetRequiredService<ColumnMapping>());
    }

    [Theory]
    [InlineData("Recommender__Columns__User", "customer", "Recommender__Columns__User is not a column setting; the settings are Recommender__Columns__UserColumn,")]
    [InlineData("Recommender__Columns__TimestampUnit", "ms", "Recommender__Columns__TimestampUnit is 'ms'; it must be one of Auto, Seconds, Milliseconds")]
    [InlineData("Recommender__Training__Dimenson", "32", "Recommender__Training__Dimenson is not a setting the app reads; the settings of Recommender__Training are BatchSize, BlendParts,")]
    [InlineData("Recommender__Preprocessing__Split__Ratio", "0.8", "Recommender__Preprocessing__Split__Ratio is not a setting the app reads; the settings of Recommender__Preprocessing__Split are Draws, Kind, Seed, TrainRatio, ValidationLastN.")]
    [InlineData("Recommender__Pipeline__Schedule", "0 0 2 * * *", "Recommender__Pipeline__Schedule is no longer read: the timer's schedule is the app setting RecommenderSchedule")]
    public void Settings_MisspelledUnknownOrRetired_StopTheAppNamingTheSetting(string name, string value, string message)
    {
        var values = new Dictionary<string, string?>(Values) { [name] = value };

        var error = Assert.Throws<InvalidOperationException>(() => new ServiceCollection().AddLogging().AddRecommender(HostSettingResolver.ConfigurationOf(values)));

        Assert.StartsWith(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OptionSettings_NestedOptionsAndDictionaryKeys_AreSettingsTheAppReads()
    {
        var values = new Dictionary<string, string?>(WithTrainingJob)
        {
            ["recommender__training__negatives"] = "8",
            ["Recommender__Preprocessing__EventWeights__wishlist"] = "2",
            ["Recommender__Preprocessing__Split__Seed"] = "7",
            ["Recommender__TrainingHost__ContainerJob__ContainerName"] = "trainer",
        };
        using ServiceProvider services = new ServiceCollection().AddLogging().AddRecommender(HostSettingResolver.ConfigurationOf(values)).BuildServiceProvider();

        Assert.Equal(8, services.GetRequiredService<IOptions<TrainingOptions>>().Value.Negatives);
        Assert.Equal(2f, services.GetRequiredService<IOptions<PreprocessingOptions>>().Value.EventWeights["wishlist"]);
        Assert.Equal(7, services.GetRequiredService<IOptions<PreprocessingOptions>>().Value.Split.Seed);
        Assert.Equal("trainer", services.GetRequiredService<IOptions<TrainingHostOptions>>().Value.ContainerJob.ContainerName);
    }

    [Fact]
    public void Sample_ContainerJobClient_ComesFromTheHttpClientFactoryWithTheResourceManagerTimeout()
    {
        IConfiguration configuration = HostSettingResolver.ConfigurationOf(WithTrainingJob);
        using ServiceProvider services = new ServiceCollection().AddLogging().AddRecommender(configuration).BuildServiceProvider();

        IContainerJobClient first = services.GetRequiredService<IContainerJobClient>();
        IContainerJobClient second = services.GetRequiredService<IContainerJobClient>();
        HttpClient http = services.GetRequiredService<IHttpClientFactory>().CreateClient(RecommenderServiceExtensions.ResourceManagerClient);

        Assert.IsType<ArmContainerJobClient>(first);
        Assert.NotSame(first, second); // a typed client per use: handlers are pooled and rotated by the factory
        Assert.Equal(TimeSpan.FromSeconds(100), http.Timeout);
    }

    [Fact]
    public void Sample_EveryActivity_ResolvesWithItsStageAndTheStagesShareOneDatasetReader()
    {
        // With the training job configured, so the job activities' client is registered too.
        IConfiguration configuration = HostSettingResolver.ConfigurationOf(WithTrainingJob);
        var collection = new ServiceCollection().AddLogging().AddRecommender(configuration);
        Type[] activities = typeof(PreprocessActivity).Assembly.GetTypes()
            .Where(type => type is { IsClass: true, IsAbstract: false } && type.Name.EndsWith("Activity", StringComparison.Ordinal))
            .ToArray();
        foreach (Type activity in activities)
        {
            collection.AddTransient(activity);
        }

        using ServiceProvider services = collection.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });

        Assert.NotEmpty(activities);
        Assert.All(activities, activity => Assert.NotNull(services.GetRequiredService(activity)));
        Assert.Same(services.GetRequiredService<CuratedDatasetReader>(), services.GetRequiredService<CuratedDatasetReader>());
        Assert.IsType<InlineTrainingHost>(services.GetRequiredService<ITrainingHost>());
    }

    [Fact]
    public async Task Sample_ResourceManagerClient_RetriesATransientReadButSendsAJobStartOnce()
    {
        var resourceManager = new FailingFirstHandler();
        IServiceCollection collection = new ServiceCollection().AddLogging().AddRecommender(HostSettingResolver.ConfigurationOf(WithTrainingJob));
        collection.AddHttpClient(RecommenderServiceExtensions.ResourceManagerClient).ConfigurePrimaryHttpMessageHandler(() => resourceManager);
        using ServiceProvider services = collection.BuildServiceProvider();
        HttpClient http = services.GetRequiredService<IHttpClientFactory>().CreateClient(RecommenderServiceExtensions.ResourceManagerClient);

        using HttpResponseMessage read = await http.GetAsync(new Uri("https://management.azure.com/jobs/train"));
        using HttpResponseMessage start = await http.PostAsync(new Uri("https://management.azure.com/jobs/train/start"), content: null);

        // The read answered 503 and was sent again; the start answered 503 and was left to the activity, which
        // looks for a running execution before it starts another.
        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.ServiceUnavailable), (read.StatusCode, start.StatusCode));
        Assert.Equal(["GET", "GET", "POST"], resourceManager.Methods);
    }

    /// <summary>The sample's values with training sent to a Container Apps job.</summary>
    private static Dictionary<string, string?> WithTrainingJob => new(Values)
    {
        ["Recommender__TrainingHost__Kind"] = "ContainerJob",
        ["Recommender__TrainingHost__ContainerJob__JobResourceId"] = "/subscriptions/0000/resourceGroups/rg/providers/Microsoft.App/jobs/train",
    };

    [Fact]
    public void Sample_PollsForUploadsWithAzuriteAndLeavesTheEventGridTriggerOff()
    {
        Assert.Equal("UseDevelopmentStorage=true", Values["InteractionsStorage"]);
        Assert.Equal("true", Values["AzureWebJobs.InteractionsEventGridBlobTrigger.Disabled"]);
        Assert.Equal("false", Values["AzureWebJobs.InteractionsBlobTrigger.Disabled"]);
    }

    internal static Dictionary<string, string?> LoadValues()
    {
        string path = Path.Combine(AzuriteFixture.RepositoryRoot(), "local.settings.sample.json");
        using JsonDocument document = JsonDocument.Parse(File.ReadAllText(path));
        return document.RootElement.GetProperty("Values").EnumerateObject().ToDictionary(p => p.Name, p => (string?)p.Value.GetString());
    }

    /// <summary>Answers the first request of each method 503 and every later one 200, and records the methods it saw.</summary>
    private sealed class FailingFirstHandler : HttpMessageHandler
    {
        private readonly HashSet<HttpMethod> _failed = [];

        public List<string> Methods { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            lock (Methods)
            {
                Methods.Add(request.Method.Method);
                HttpStatusCode status = _failed.Add(request.Method) ? HttpStatusCode.ServiceUnavailable : HttpStatusCode.OK;
                return Task.FromResult(new HttpResponseMessage(status) { RequestMessage = request });
            }
        }
    }
}
