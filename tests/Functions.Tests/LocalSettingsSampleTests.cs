using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Recommender.Core.Pipeline;
using Recommender.Core.Preprocessing;
using Recommender.Core.Storage;
using Recommender.Core.Training;
using Recommender.Functions.Hosting;
using Recommender.Integration.Tests.Infrastructure;

namespace Recommender.Functions.Tests;

/// <summary>local.settings.sample.json is a working configuration for <c>func start</c> against Azurite.</summary>
public sealed partial class LocalSettingsSampleTests
{
    private static readonly Dictionary<string, string?> Values = LoadValues();

    [Fact]
    public void Sample_BindsAndValidatesEveryOptionTheAppReads()
    {
        IConfiguration configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(Values.ToDictionary(pair => pair.Key.Replace("__", ":", StringComparison.Ordinal), pair => pair.Value))
            .Build();
        using ServiceProvider services = new ServiceCollection().AddLogging().AddRecommender(configuration).BuildServiceProvider();

        Assert.Equal("UseDevelopmentStorage=true", services.GetRequiredService<IOptions<StorageOptions>>().Value.ConnectionString);
        Assert.Equal(100, services.GetRequiredService<IOptions<PipelineOptions>>().Value.TopK);
        Assert.Equal(SplitKind.StratifiedPerItem, services.GetRequiredService<IOptions<PreprocessingOptions>>().Value.Split.Kind);
        Assert.Equal(5f, services.GetRequiredService<IOptions<PreprocessingOptions>>().Value.EventWeights["purchase"]);
        Assert.Equal(64, services.GetRequiredService<IOptions<TrainingOptions>>().Value.Dimension);
    }

    [Fact]
    public void Sample_DefinesEverySettingTheFunctionBindingsReference()
    {
        string metadata = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "functions.metadata"))
            + File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "host.json"));

        var referenced = SettingReference().Matches(metadata).Select(m => m.Groups[1].Value).Distinct().ToList();

        Assert.NotEmpty(referenced);
        Assert.All(referenced, setting => Assert.True(Values.ContainsKey(setting), $"{setting} is missing from local.settings.sample.json"));
        Assert.True(Values.ContainsKey("InteractionsStorage"));
        Assert.Equal("true", Values["AzureWebJobs.InteractionsEventGridBlobTrigger.Disabled"]);
        Assert.Equal("false", Values["AzureWebJobs.InteractionsBlobTrigger.Disabled"]);
    }

    private static Dictionary<string, string?> LoadValues()
    {
        string path = Path.Combine(AzuriteFixture.RepositoryRoot(), "local.settings.sample.json");
        using JsonDocument document = JsonDocument.Parse(File.ReadAllText(path));
        return document.RootElement.GetProperty("Values").EnumerateObject().ToDictionary(p => p.Name, p => (string?)p.Value.GetString());
    }

    [GeneratedRegex("%([A-Za-z0-9_.]+)%")]
    private static partial Regex SettingReference();
}
