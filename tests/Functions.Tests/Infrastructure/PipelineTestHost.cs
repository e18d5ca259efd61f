using System.Reflection;
using Azure.Storage.Blobs;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Recommender.Core.Demo;
using Recommender.Core.Lookup;
using Recommender.Core.Pipeline;
using Recommender.Core.Storage;
using Recommender.Core.TrainingHosts;
using Recommender.Functions.Hosting;
using Recommender.Functions.Pipeline;
using Recommender.Functions.Pipeline.Activities;
using Recommender.Integration.Tests.Infrastructure;

namespace Recommender.Functions.Tests.Infrastructure;

/// <summary>
/// The Functions app's orchestration and activities on the real Durable Task engine (in process)
/// against Azurite, wired with the app's own service registration. Each host gets its own
/// containers and table. Tests can wrap any activity to inject faults.
/// </summary>
public sealed class PipelineTestHost : IAsyncDisposable
{
    private static readonly TaskOptions FastRetry = TaskOptions.FromRetryPolicy(new RetryPolicy(4, TimeSpan.FromMilliseconds(200), 1.5, TimeSpan.FromSeconds(2)));

    private static readonly PipelineRetries FastRetries = new(FastRetry, TaskOptions.FromRetryPolicy(new RetryPolicy(3, TimeSpan.FromMilliseconds(200), 1.5, TimeSpan.FromSeconds(2))));

    private readonly DurableTaskTestHost _engine;

    private PipelineTestHost(ServiceProvider services, DurableTaskTestHost engine, StorageClients clients)
    {
        Services = services;
        _engine = engine;
        Clients = clients;
    }

    /// <summary>The app's services.</summary>
    public ServiceProvider Services { get; }

    /// <summary>The Durable client, as triggers and HTTP functions get it.</summary>
    public DurableTaskClient Client => _engine.Client;

    /// <summary>Storage clients of this host's containers and table.</summary>
    public StorageClients Clients { get; }

    /// <summary>The container raw logs are uploaded to.</summary>
    public BlobContainerClient Interactions => Clients.InteractionsContainer;

    /// <summary>The lookup table the API reads.</summary>
    public ILookupStore Lookup => Services.GetRequiredService<ILookupStore>();

    /// <summary>Starts a host; <paramref name="faults"/> may wrap activities (see <see cref="ActivityFaults"/>), <paramref name="configure"/> replace services.</summary>
    public static async Task<PipelineTestHost> StartAsync(AzuriteFixture azurite, ActivityFaults? faults = null, IDictionary<string, string?>? settings = null, Action<IServiceCollection>? configure = null)
    {
        string prefix = $"p{Guid.NewGuid():N}"[..16];
        StorageOptions storage = azurite.CreateStorageOptions(prefix);
        var values = new Dictionary<string, string?>
        {
            ["Recommender:Storage:ConnectionString"] = storage.ConnectionString,
            ["Recommender:Storage:InteractionsContainer"] = storage.InteractionsContainer,
            ["Recommender:Storage:ArtifactsContainer"] = storage.ArtifactsContainer,
            ["Recommender:Storage:LookupTable"] = storage.LookupTable,
            ["Recommender:Storage:MaxRetries"] = "3",
            ["Recommender:Storage:RetryDelay"] = "00:00:00.200",
            ["Recommender:Pipeline:TopK"] = "20",
            ["Recommender:Pipeline:ShardSize"] = "100",
            ["Recommender:Pipeline:MaxParallelShards"] = "2",
            ["Recommender:Pipeline:MinNdcgVersusPopularity"] = "1.0",
            ["Recommender:Pipeline:MaxRegressionVersusLive"] = "0.5",
            ["Recommender:Preprocessing:EventWeights:view"] = "1",
            ["Recommender:Preprocessing:EventWeights:click"] = "2",
            ["Recommender:Preprocessing:EventWeights:purchase"] = "5",
            ["Recommender:Training:Kind"] = "Softmax",
            ["Recommender:Training:Dimension"] = "16",
            ["Recommender:Training:Epochs"] = "6",
            ["Recommender:Training:LearningRate"] = "0.02",
            ["Recommender:Training:Device"] = "Cpu",
        };
        foreach ((string key, string? value) in settings ?? new Dictionary<string, string?>())
        {
            values[key] = value;
        }

        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddRecommender(configuration);
        configure?.Invoke(services);
        ServiceProvider provider = services.BuildServiceProvider();
        foreach (IHostedService hosted in provider.GetServices<IHostedService>())
        {
            await hosted.StartAsync(CancellationToken.None);
        }

        faults ??= new ActivityFaults();
        DurableTaskTestHost engine = await StartEngineAsync(registry =>
        {
            registry.AddOrchestratorFunc<PipelineRunRequest, PipelineOutcome>(
                TrainingPipelineOrchestrator.Name, (context, input) => TrainingPipelineOrchestrator.RunAsync(context, input, FastRetries));
            AddPipelineActivities(registry, provider, faults);
        });

        return new PipelineTestHost(provider, engine, provider.GetRequiredService<StorageClients>());
    }

    /// <summary>
    /// Starts the Durable Task engine. It listens on a port it picks at random, which another test
    /// process (Azurite, a parallel host) may have taken in the meantime: then it tries another.
    /// </summary>
    private static async Task<DurableTaskTestHost> StartEngineAsync(Action<DurableTaskRegistry> register)
    {
        const int Attempts = 5;
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return await DurableTaskTestHost.StartAsync(register);
            }
            catch (IOException ex) when (attempt < Attempts && ex.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
            {
            }
        }
    }

    /// <summary>Uploads a generated interaction log as <paramref name="name"/>.</summary>
    public async Task UploadLogAsync(string name, SyntheticLogOptions? options = null)
    {
        using var buffer = new MemoryStream();
        await SyntheticInteractionLog.WriteAsync(buffer, options ?? SmallLog());
        buffer.Position = 0;
        await Interactions.GetBlobClient(name).UploadAsync(buffer, overwrite: true);
    }

    /// <summary>A log small enough for a pipeline run in a few seconds.</summary>
    public static SyntheticLogOptions SmallLog(int seed = 42) => new() { Users = 300, Items = 120, Clusters = 6, MeanPerUser = 20, Seed = seed };

    /// <summary>Starts a run the way the HTTP function does and waits for the pipeline (and any follow-up) to end.</summary>
    public async Task<OrchestrationMetadata> RunToCompletionAsync(string trigger = "test")
    {
        StartResult started = await Services.GetRequiredService<PipelineStarter>().StartAsync(Client, trigger, overrides: null, onlyIfInputChanged: false, CancellationToken.None);
        Assert.Equal(StartOutcome.Started, started.Outcome);
        return await WaitAsync();
    }

    /// <summary>Waits for the pipeline instance to end.</summary>
    public async Task<OrchestrationMetadata> WaitAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        return await Client.WaitForInstanceCompletionAsync(PipelineStarter.InstanceId, getInputsAndOutputs: true, timeout.Token);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _engine.DisposeAsync();
        await Services.DisposeAsync();
    }

    /// <summary>Every pipeline activity of the app, each under its function name and behind the faults.</summary>
    private static void AddPipelineActivities(DurableTaskRegistry registry, IServiceProvider services, ActivityFaults faults)
    {
        MethodInfo add = typeof(PipelineTestHost).GetMethod(nameof(AddActivity), BindingFlags.NonPublic | BindingFlags.Static)!;
        foreach (Type activity in PipelineActivities.All)
        {
            Type[] contract = PipelineActivities.ContractOf(activity);
            add.MakeGenericMethod(activity, contract[1], contract[2]).Invoke(null, [registry, services, faults]);
        }
    }

    private static void AddActivity<TActivity, TInput, TOutput>(DurableTaskRegistry registry, IServiceProvider services, ActivityFaults faults)
        where TActivity : PipelineActivity<TActivity, TInput, TOutput>
    {
        string name = PipelineActivity<TActivity, TInput, TOutput>.Name;
        registry.AddActivityFunc<TInput, TOutput>(name, async (_, input) =>
        {
            await faults.BeforeAsync(name);
            TOutput output = await ActivatorUtilities.CreateInstance<TActivity>(services).Run(input, CancellationToken.None);
            await faults.AfterAsync(name);
            return output;
        });
    }
}

/// <summary>Faults to inject into named activities: throw before or after the real work, a number of times.</summary>
public sealed class ActivityFaults
{
    private readonly Dictionary<string, int> _failBefore = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (int Call, int Times)> _failAfterCall = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _calls = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <summary>Calls made to each activity, failed ones included.</summary>
    public int Calls(string activity)
    {
        lock (_gate)
        {
            return _calls.GetValueOrDefault(activity);
        }
    }

    /// <summary>The next <paramref name="times"/> calls of <paramref name="activity"/> fail before doing anything.</summary>
    public ActivityFaults FailBefore(string activity, int times = 1)
    {
        _failBefore[activity] = times;
        return this;
    }

    /// <summary>Call number <paramref name="call"/> (1-based) of <paramref name="activity"/> does its work, then fails, as a crash after the work would.</summary>
    public ActivityFaults FailAfterCall(string activity, int call)
    {
        _failAfterCall[activity] = (call, 1);
        return this;
    }

    internal Task BeforeAsync(string activity)
    {
        lock (_gate)
        {
            _calls[activity] = _calls.GetValueOrDefault(activity) + 1;
            if (_failBefore.TryGetValue(activity, out int remaining) && remaining > 0)
            {
                _failBefore[activity] = remaining - 1;
                throw new InvalidOperationException($"Injected fault before {activity}.");
            }
        }

        return Task.CompletedTask;
    }

    internal Task AfterAsync(string activity)
    {
        lock (_gate)
        {
            if (_failAfterCall.TryGetValue(activity, out var fault) && fault.Times > 0 && _calls[activity] == fault.Call)
            {
                _failAfterCall[activity] = (fault.Call, 0);
                throw new InvalidOperationException($"Injected crash after {activity} call {fault.Call}.");
            }
        }

        return Task.CompletedTask;
    }
}
