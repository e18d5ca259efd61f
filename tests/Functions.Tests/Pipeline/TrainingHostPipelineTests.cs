using System.Reflection;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Recommender.Core.Pipeline;
using Recommender.Core.Storage;
using Recommender.Core.Training;
using Recommender.Core.TrainingHosts;
using Recommender.Functions.Pipeline;
using Recommender.Functions.Pipeline.Activities;
using Recommender.Functions.Tests.Infrastructure;
using Recommender.Integration.Tests.Infrastructure;
using Recommender.Core.Tests.TestSupport;

namespace Recommender.Functions.Tests.Pipeline;

/// <summary>
/// Training outside the Functions process: <c>recommender train</c> as a child process (the
/// built CLI) and job executions polled on durable timers, through the real Durable Task engine
/// against Azurite.
/// </summary>
[Trait("Category", "Integration")]
[Collection(AzuriteCollection.Name)]
public sealed class TrainingHostPipelineTests(AzuriteFixture azurite)
{
    private static readonly string CliAssembly = typeof(TrainingHostPipelineTests).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RecommenderCli").Value!;

    [Fact]
    public async Task ProcessHost_RunCompletes_ChildWroteTheModelToBlobStorage()
    {
        await using PipelineTestHost host = await PipelineTestHost.StartAsync(azurite, settings: ProcessHost($"dotnet \"{CliAssembly}\""));
        await host.UploadLogAsync("day-1.parquet");

        OrchestrationMetadata run = await host.RunToCompletionAsync();

        Assert.Equal(OrchestrationRuntimeStatus.Completed, run.RuntimeStatus);
        PipelineOutcome outcome = run.ReadOutputAs<PipelineOutcome>()!;
        Assert.Equal(RunResults.Published, outcome.Result);
        Assert.IsType<ProcessTrainingHost>(host.Services.GetRequiredService<ITrainingHost>());
        Assert.True(await host.Clients.Blobs.GetBlobContainerClient(host.Clients.Options.ArtifactsContainer).GetBlobClient($"models/{outcome.RunId}/model.json").ExistsAsync());
        ModelManifest manifest = (await TrainedModel.ReadManifestAsync(host.Services.GetRequiredService<IArtifactStore>(), outcome.RunId, CancellationToken.None))!;
        Assert.Equal(Enumerable.Range(1, 6), manifest.Epochs.Select(e => e.Epoch));
    }

    [Fact]
    public async Task ProcessHostChildExitsWith3_RunFailsInTrain_StatusNamesExitCodeAndStandardError()
    {
        await using PipelineTestHost host = await PipelineTestHost.StartAsync(azurite, settings: ProcessHost("sh -c \"echo out of GPU memory >&2; exit 3\""));
        await host.UploadLogAsync("day-1.parquet");

        OrchestrationMetadata run = await host.RunToCompletionAsync();

        Assert.Equal(OrchestrationRuntimeStatus.Failed, run.RuntimeStatus);
        PipelineProgress status = run.ReadCustomStatusAs<PipelineProgress>()!;
        Assert.Equal("train", status.FailedStage);
        Assert.Contains("exit code 3", status.Error, StringComparison.Ordinal);
        Assert.Contains("out of GPU memory", status.Error, StringComparison.Ordinal);
        Assert.Contains(status.RunId, status.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProcessHostChildHangs_IsKilledAtItsTimeout_RunFailsInTrainSayingSo()
    {
        Dictionary<string, string?> settings = ProcessHost("sh -c \"sleep 60\"");
        settings["Recommender:TrainingHost:Process:Timeout"] = "00:00:01";
        await using PipelineTestHost host = await PipelineTestHost.StartAsync(azurite, settings: settings);
        await host.UploadLogAsync("day-1.parquet");

        OrchestrationMetadata run = await host.RunToCompletionAsync();

        Assert.Equal(OrchestrationRuntimeStatus.Failed, run.RuntimeStatus);
        PipelineProgress status = run.ReadCustomStatusAs<PipelineProgress>()!;
        Assert.Equal("train", status.FailedStage);
        Assert.Contains("past its timeout of 00:00:01", status.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProcessHostChildCrashesAfterCheckpointing_RetryResumesFromCheckpoint()
    {
        // The child trains for real, then exits 3 the first time only, as a crash after checkpointing would.
        using var folder = new TempDirectory();
        string calls = Path.Combine(folder.FullPath, "calls.log");
        string script = Path.Combine(folder.FullPath, "crash-once.sh");
        await File.WriteAllTextAsync(script, $$"""
            out=$("$@") || exit $?
            echo "$out" >> "{{calls}}"
            echo "$out"
            if [ ! -e "{{calls}}.crashed" ]; then touch "{{calls}}.crashed"; echo "crashed after training" >&2; exit 3; fi
            """);
        // One model kind and no refit: the child's only calls are the gated training's, epoch by epoch.
        Dictionary<string, string?> settings = ProcessHost($"sh \"{script}\" dotnet \"{CliAssembly}\"");
        settings["Recommender:Training:Refit"] = "false";
        settings["Recommender:Training:Kind"] = "Softmax";
        await using PipelineTestHost host = await PipelineTestHost.StartAsync(azurite, settings: settings);
        await host.UploadLogAsync("day-1.parquet");

        OrchestrationMetadata run = await host.RunToCompletionAsync();

        Assert.Equal(OrchestrationRuntimeStatus.Completed, run.RuntimeStatus);
        string[] results = (await File.ReadAllLinesAsync(calls)).Where(l => l.StartsWith('{')).ToArray();
        // Call 1 trained epochs 1-5 and crashed; its retry resumed at epoch 5 and trained epoch 6 only.
        Assert.Equal(2, results.Length);
        Assert.Contains("\"resumedFromEpoch\":5", results[1], StringComparison.Ordinal);
        Assert.Contains("\"epochs\":6", results[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task ContainerJobHost_ExecutionsArePolledUntilDone_RunPublishes()
    {
        var jobs = new InProcessTrainingJobs();
        await using PipelineTestHost host = await PipelineTestHost.StartAsync(azurite, settings: JobHost(TimeSpan.FromMinutes(2)), configure: services => services.AddSingleton<IContainerJobClient>(sp =>
            jobs.Bind(sp.GetRequiredService<TrainStage>())));
        await host.UploadLogAsync("day-1.parquet");

        OrchestrationMetadata run = await host.RunToCompletionAsync();

        Assert.Equal(OrchestrationRuntimeStatus.Completed, run.RuntimeStatus);
        PipelineOutcome outcome = run.ReadOutputAs<PipelineOutcome>()!;
        Assert.Equal(RunResults.Published, outcome.Result);
        string runId = outcome.RunId;
        // One execution trains the gated model, one refits it on train + validation; each trains to the end.
        Assert.Collection(jobs.Started,
            train => Assert.Equal(("train", runId), (train[0], ArgumentOf(train, "--run-id"))),
            refit => Assert.Equal(("train", ModelRefit.RunIdOf(runId), runId), (refit[0], ArgumentOf(refit, "--run-id"), ArgumentOf(refit, "--refit-of"))));
        Assert.All(jobs.Started, args => Assert.Equal("0", ArgumentOf(args, "--max-epochs-this-call")));
        Assert.True(jobs.Polls >= 2, $"polled {jobs.Polls} times");
    }

    [Fact]
    public async Task ContainerJobHost_StartAcceptedButItsAnswerLost_TheRetryFindsThatExecutionAndStartsNoOther()
    {
        var jobs = new InProcessTrainingJobs { AnswersToLose = 1 };
        var faults = new ActivityFaults();
        await using PipelineTestHost host = await PipelineTestHost.StartAsync(azurite, faults, JobHost(TimeSpan.FromMinutes(2)), configure: services => services.AddSingleton<IContainerJobClient>(sp =>
            jobs.Bind(sp.GetRequiredService<TrainStage>())));
        await host.UploadLogAsync("day-1.parquet");

        OrchestrationMetadata run = await host.RunToCompletionAsync();

        Assert.Equal(OrchestrationRuntimeStatus.Completed, run.RuntimeStatus);
        Assert.Equal(RunResults.Published, run.ReadOutputAs<PipelineOutcome>()!.Result);
        // The training's start was tried twice (the first answer lost) and the refit's once: three tries, two executions.
        Assert.Equal(3, faults.Calls(nameof(StartTrainingJobActivity)));
        Assert.Equal(2, jobs.Started.Count);
    }

    [Fact]
    public async Task ContainerJobHostExecutionNeverEnds_RunFailsInTrainWithTimeout()
    {
        var jobs = new InProcessTrainingJobs { NeverEnds = true };
        await using PipelineTestHost host = await PipelineTestHost.StartAsync(azurite, settings: JobHost(TimeSpan.FromSeconds(2)), configure: services => services.AddSingleton<IContainerJobClient>(sp =>
            jobs.Bind(sp.GetRequiredService<TrainStage>())));
        await host.UploadLogAsync("day-1.parquet");

        OrchestrationMetadata run = await host.RunToCompletionAsync();

        Assert.Equal(OrchestrationRuntimeStatus.Failed, run.RuntimeStatus);
        PipelineProgress status = run.ReadCustomStatusAs<PipelineProgress>()!;
        Assert.Equal("train", status.FailedStage);
        Assert.Contains("still running after 00:00:02", status.Error, StringComparison.Ordinal);
    }

    private static string ArgumentOf(IReadOnlyList<string> args, string option) => args[args.ToList().IndexOf(option) + 1];

    private static Dictionary<string, string?> ProcessHost(string command) => new()
    {
        ["Recommender:TrainingHost:Kind"] = "Process",
        ["Recommender:TrainingHost:Process:Command"] = command,
        ["Recommender:TrainingHost:Process:Timeout"] = "00:02:00",
    };

    private static Dictionary<string, string?> JobHost(TimeSpan timeout) => new()
    {
        ["Recommender:TrainingHost:Kind"] = "ContainerJob",
        ["Recommender:TrainingHost:ContainerJob:JobResourceId"] = "/subscriptions/0000/resourceGroups/rg/providers/Microsoft.App/jobs/train",
        ["Recommender:TrainingHost:ContainerJob:Timeout"] = timeout.ToString("c"),
        ["Recommender:TrainingHost:ContainerJob:PollInterval"] = "00:00:00.250",
    };

    /// <summary>A job whose executions train in this process: started in the background, reported Running until done.</summary>
    /// <summary>
    /// A job whose executions train in this process. An execution stays queued until its state is first read,
    /// as a real one does for a while after its start was accepted.
    /// </summary>
    private sealed class InProcessTrainingJobs : IContainerJobClient
    {
        private readonly Dictionary<string, (string Key, TaskCompletionSource Polled, Task Training)> _executions = new(StringComparer.Ordinal);
        private TrainStage? _train;
        private int _polls;
        private int _answersToLose;

        public bool NeverEnds { get; init; }

        /// <summary>How many starts are accepted and then answered with a timeout, as when the answer is lost on the way.</summary>
        public int AnswersToLose { init => _answersToLose = value; }

        public List<IReadOnlyList<string>> Started { get; } = [];

        public int Polls => _polls;

        public InProcessTrainingJobs Bind(TrainStage train)
        {
            _train = train;
            return this;
        }

        public Task<string> StartExecutionAsync(string key, IReadOnlyList<string> arguments, CancellationToken cancellationToken = default)
        {
            string Value(string name) => arguments[arguments.ToList().IndexOf(name) + 1];
            var input = new TrainStageInput(Value("--run-id"), Value("--dataset"), int.Parse(Value("--eval-k"), System.Globalization.CultureInfo.InvariantCulture), null, null, 0)
            {
                RefitOf = arguments.Contains("--refit-of") ? Value("--refit-of") : null,
            };
            string name;
            lock (_executions)
            {
                name = $"train-{Started.Count + 1}";
                Started.Add(arguments);
                var polled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                Task training = NeverEnds
                    ? Task.Delay(Timeout.Infinite, CancellationToken.None)
                    : polled.Task.ContinueWith(_ => _train!.RunAsync(input), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default).Unwrap();
                _executions[name] = (key, polled, training);
            }

            return Interlocked.Decrement(ref _answersToLose) >= 0
                ? throw new TimeoutException($"The start of {name} was accepted, but its answer was lost.")
                : Task.FromResult(name);
        }

        public Task<string?> FindExecutionAsync(string key, CancellationToken cancellationToken = default)
        {
            lock (_executions)
            {
                return Task.FromResult<string?>(_executions.FirstOrDefault(e => e.Value.Key == key && !e.Value.Training.IsCompleted).Key);
            }
        }

        public Task<TrainingJobState> GetExecutionStateAsync(string executionName, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _polls);
            Task execution;
            lock (_executions)
            {
                (_, TaskCompletionSource polled, execution) = _executions[executionName];
                polled.TrySetResult();
            }

            return Task.FromResult(execution.IsCompletedSuccessfully ? TrainingJobState.Succeeded : execution.IsCompleted ? TrainingJobState.Failed : TrainingJobState.Running);
        }
    }
}
