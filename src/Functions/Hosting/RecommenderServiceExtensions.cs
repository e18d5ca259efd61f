using Azure.Core.Serialization;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Http.Resilience;
using Polly;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Recommender.Core.Datasets;
using Recommender.Core.Ingestion;
using Recommender.Core.Lookup;
using Recommender.Core.Pipeline;
using Recommender.Core.Preprocessing;
using Recommender.Core.Storage;
using Recommender.Core.Training;
using Recommender.Core.TrainingHosts;
using Azure.Identity;
using Recommender.Functions.Api;
using Recommender.Functions.Pipeline;

namespace Recommender.Functions.Hosting;

/// <summary>Registers everything the Functions app needs, once, from configuration.</summary>
public static class RecommenderServiceExtensions
{
    /// <summary>Name of the HttpClient of the Resource Manager calls (Container Apps jobs).</summary>
    public const string ResourceManagerClient = "resource-manager";

    /// <summary>
    /// Retries of a Resource Manager read (a job's or an execution's state) that failed transiently: a
    /// timeout, a 408, 429 or 5xx, or a dropped connection; exponential delays from 2 s with jitter, or the
    /// Retry-After the answer gives. Writes are never retried by the client.
    /// </summary>
    public const int ResourceManagerReadRetries = 3;

    /// <summary>Adds validated options, the storage clients, the stores and the pipeline to the app.</summary>
    public static IHostApplicationBuilder AddRecommender(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddRecommender(builder.Configuration);
        return builder;
    }

    /// <summary>Adds the app's services to <paramref name="services"/> (also used by the tests' hosts).</summary>
    public static IServiceCollection AddRecommender(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        AddValidated<StorageOptions>(services, configuration, StorageOptions.SectionName);
        AddValidated<PipelineOptions>(services, configuration, PipelineOptions.SectionName);
        AddValidated<PreprocessingOptions>(services, configuration, PreprocessingOptions.SectionName);
        AddValidated<TrainingOptions>(services, configuration, TrainingOptions.SectionName);
        AddValidated<TrainingHostOptions>(services, configuration, TrainingHostOptions.SectionName);

        services.Configure<WorkerOptions>(worker => worker.Serializer = new JsonObjectSerializer(DurablePayloadJson.Options));
        services.Configure<Microsoft.AspNetCore.Mvc.JsonOptions>(json => json.JsonSerializerOptions.Converters.Add(new NonFiniteAsNullConverter()));
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(sp => new StorageClients(sp.GetRequiredService<IOptions<StorageOptions>>().Value));
        services.AddSingleton<IArtifactStore>(sp => sp.GetRequiredService<StorageClients>().CreateArtifactStore());
        services.AddSingleton<ILookupStore>(sp =>
        {
            StorageClients clients = sp.GetRequiredService<StorageClients>();
            return new TableLookupStore(clients.Tables.GetTableClient(clients.Options.LookupTable));
        });
        services.AddSingleton<IInteractionLogSource>(sp =>
            new ArtifactStoreLogSource(new BlobArtifactStore(sp.GetRequiredService<StorageClients>().InteractionsContainer)));
        services.AddSingleton<RunHistory>();

        // Which log columns hold what (Recommender__Columns__*, as the CLI's --user-column and so on).
        services.AddSingleton(ColumnSettings.Read(configuration));

        // The stages and their collaborators, by type.
        services.AddSingleton<CuratedDatasetReader>();
        services.AddSingleton<InteractionLogReader>();
        services.AddSingleton<InteractionPreprocessor>();
        services.AddSingleton<PreprocessStep>();
        services.AddSingleton<ModelTrainer>();
        services.AddSingleton<PreprocessStage>();
        services.AddSingleton<TrainStage>();
        services.AddSingleton<EvaluateStage>();
        services.AddSingleton<ScoringStage>();
        services.AddSingleton<PublishStage>();
        services.AddSingleton<ITrainingHost>(sp =>
        {
            TrainingHostOptions host = sp.GetRequiredService<IOptions<TrainingHostOptions>>().Value;
            TrainStage train = sp.GetRequiredService<TrainStage>();
            return host.Kind is TrainingHostKind.Process
                ? new ProcessTrainingHost(
                    train,
                    host.Process,
                    sp.GetRequiredService<IOptions<StorageOptions>>().Value,
                    sp.GetRequiredService<IOptions<TrainingOptions>>().Value,
                    sp.GetRequiredService<ILogger<ProcessTrainingHost>>())
                : new InlineTrainingHost(train);
        });
        services.AddSingleton(sp =>
        {
            ContainerJobTrainingHostOptions job = sp.GetRequiredService<IOptions<TrainingHostOptions>>().Value.ContainerJob;
            // The app's identity: the one given for the job, else the one storage uses.
            string? clientId = string.IsNullOrWhiteSpace(job.ManagedIdentityClientId)
                ? sp.GetRequiredService<IOptions<StorageOptions>>().Value.ManagedIdentityClientId
                : job.ManagedIdentityClientId;
            return new ResourceManagerCredential(string.IsNullOrWhiteSpace(clientId)
                ? new DefaultAzureCredential()
                : new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = clientId }));
        });

        // Pooled handlers from the factory, and a retry of reads only: a job start (a POST) that failed or timed
        // out may have been accepted, so it is never resent here; the start activity looks for the running
        // execution first, and PipelineRetries decides how often each activity runs.
        IHttpClientBuilder resourceManager = services.AddHttpClient(ResourceManagerClient, http => http.Timeout = TimeSpan.FromSeconds(100));
        resourceManager.AddResilienceHandler(ResourceManagerClient, pipeline => pipeline.AddRetry(new HttpRetryStrategyOptions
        {
            MaxRetryAttempts = ResourceManagerReadRetries,
            ShouldHandle = attempt => ValueTask.FromResult(
                attempt.Context.GetRequestMessage()?.Method == HttpMethod.Get && HttpClientResiliencePredicates.IsTransient(attempt.Outcome)),
        }));
        resourceManager.AddTypedClient<IContainerJobClient>((http, sp) => new ArmContainerJobClient(
            http,
            sp.GetRequiredService<ResourceManagerCredential>().Credential,
            sp.GetRequiredService<IOptions<TrainingHostOptions>>().Value.ContainerJob));
        services.AddSingleton<PipelineStarter>();
        services.AddHostedService<StorageInitializer>();
        return services;
    }

    /// <summary>The identity the Resource Manager calls use, created once for the app's lifetime (it caches its tokens).</summary>
    private sealed record ResourceManagerCredential(Azure.Core.TokenCredential Credential);

    private static void AddValidated<T>(IServiceCollection services, IConfiguration configuration, string section)
        where T : class
    {
        UnknownSettings.ThrowIfAny(configuration, section, typeof(T));
        services.AddOptions<T>()
            .Bind(configuration.GetSection(section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
    }
}
