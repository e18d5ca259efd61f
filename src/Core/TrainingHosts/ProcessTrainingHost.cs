using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Recommender.Core.Pipeline;
using Recommender.Core.Storage;
using Recommender.Core.Training;

namespace Recommender.Core.TrainingHosts;

/// <summary>
/// Runs each training call as a child <c>recommender train</c> process on the same artifact
/// store (its storage settings go to the child as <c>Recommender__Storage__*</c> environment
/// variables), so the path the container job takes is exercised on one machine. The child is
/// killed when it runs past the timeout; a non-zero exit fails the call with the exit code and
/// the end of its standard error. A retried call resumes from the child's checkpoints.
/// </summary>
public sealed partial class ProcessTrainingHost : ITrainingHost
{
    private const int StandardErrorTailLength = 2_000;
    private readonly TrainStage _train;
    private readonly ProcessTrainingHostOptions _options;
    private readonly StorageOptions _storage;
    private readonly TrainingOptions _training;
    private readonly ILogger _logger;

    /// <summary>Creates the host.</summary>
    public ProcessTrainingHost(TrainStage train, ProcessTrainingHostOptions options, StorageOptions storage, TrainingOptions training, ILogger<ProcessTrainingHost>? logger = null)
    {
        _train = train ?? throw new ArgumentNullException(nameof(train));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _storage = storage ?? throw new ArgumentNullException(nameof(storage));
        _training = training ?? throw new ArgumentNullException(nameof(training));
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>The executable and leading arguments of the configured command (default: <c>dotnet recommender.dll</c> beside this app).</summary>
    public IReadOnlyList<string> Command =>
        string.IsNullOrWhiteSpace(_options.Command)
            ? ["dotnet", Path.Combine(AppContext.BaseDirectory, "recommender.dll")]
            : TrainingCommandLine.SplitCommand(_options.Command);

    /// <inheritdoc />
    public async Task<TrainStageOutput> TrainAsync(TrainStageInput input, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        TrainingOptions options = TrainStage.ApplyOverrides(_training, input.Overrides);
        string? warmStart = await _train.WarmStartForAsync(input, cancellationToken).ConfigureAwait(false);
        IReadOnlyList<string> command = Command;
        var start = new ProcessStartInfo(command[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (string argument in command.Skip(1).Concat(TrainingCommandLine.Arguments(input, options, warmStart)))
        {
            start.ArgumentList.Add(argument);
        }

        foreach ((string name, string? value) in EnvironmentOf(_storage, options))
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }

        var stopwatch = Stopwatch.StartNew();
        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            throw new TrainingProcessFailedException(input.RunId, exitCode: null, $"could not start '{command[0]}': {ex.Message}", string.Empty);
        }

        LogStarted(_logger, input.RunId, process.Id, start.ArgumentList.Count);

        Task<string> standardOutput = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        Task<string> standardError = process.StandardError.ReadToEndAsync(CancellationToken.None);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.Timeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            string tail = TrainingCommandLine.Tail(await standardError.ConfigureAwait(false), StandardErrorTailLength);
            cancellationToken.ThrowIfCancellationRequested();
            throw new TrainingProcessFailedException(input.RunId, exitCode: null, $"was killed after running past its timeout of {_options.Timeout}", tail);
        }

        string output = await standardOutput.ConfigureAwait(false);
        string errors = await standardError.ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new TrainingProcessFailedException(input.RunId, process.ExitCode, "failed", TrainingCommandLine.Tail(errors, StandardErrorTailLength));
        }

        TrainStageOutput result = TrainingCommandLine.ParseOutput(input.RunId, output, options.Epochs ?? 0, stopwatch.Elapsed.TotalSeconds);
        LogFinished(_logger, input.RunId, result.EpochsDone, result.MaxEpochs, stopwatch.Elapsed.TotalSeconds);
        return result;
    }

    /// <summary>
    /// Environment of the child: the storage settings, so it reads and writes the same artifacts,
    /// and every training option (the command line carries the common ones too).
    /// </summary>
    public static IReadOnlyList<KeyValuePair<string, string?>> EnvironmentOf(StorageOptions storage, TrainingOptions training)
    {
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentNullException.ThrowIfNull(training);
        const string Storage = "Recommender__Storage__";
        const string Training = "Recommender__Training__";
        return
        [
            new(Storage + nameof(StorageOptions.ConnectionString), storage.ConnectionString),
            new(Storage + nameof(StorageOptions.AccountName), storage.AccountName),
            new(Storage + nameof(StorageOptions.ManagedIdentityClientId), storage.ManagedIdentityClientId),
            new(Storage + nameof(StorageOptions.InteractionsContainer), storage.InteractionsContainer),
            new(Storage + nameof(StorageOptions.ArtifactsContainer), storage.ArtifactsContainer),
            new(Storage + nameof(StorageOptions.LookupTable), storage.LookupTable),
            new(Storage + nameof(StorageOptions.MaxRetries), Invariant(storage.MaxRetries)),
            new(Storage + nameof(StorageOptions.RetryDelay), storage.RetryDelay.ToString("c", CultureInfo.InvariantCulture)),
            new(Storage + nameof(StorageOptions.NetworkTimeout), storage.NetworkTimeout.ToString("c", CultureInfo.InvariantCulture)),
            new(Training + nameof(TrainingOptions.Device), training.Device.ToString()),
            new(Training + nameof(TrainingOptions.WeightDecay), Invariant(training.WeightDecay)),
            new(Training + nameof(TrainingOptions.Negatives), Invariant(training.Negatives)),
            new(Training + nameof(TrainingOptions.FullSoftmaxMaxItems), Invariant(training.FullSoftmaxMaxItems)),
            new(Training + nameof(TrainingOptions.SampledNegatives), Invariant(training.SampledNegatives)),
            new(Training + nameof(TrainingOptions.NegativeSampling), training.NegativeSampling.ToString()),
            new(Training + nameof(TrainingOptions.InitialStandardDeviation), Invariant(training.InitialStandardDeviation)),
            new(Training + nameof(TrainingOptions.EarlyStoppingPatience), training.EarlyStoppingPatience is { } patience ? Invariant(patience) : null),
            new(Training + nameof(TrainingOptions.EvaluateEvery), Invariant(training.EvaluateEvery)),
            new(Training + nameof(TrainingOptions.CheckpointsToKeep), Invariant(training.CheckpointsToKeep)),
            new(Training + nameof(TrainingOptions.Refit), training.Refit ? "true" : "false"),
        ];
    }

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Invariant(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId}: training process {ProcessId} started with {ArgumentCount} arguments")]
    private static partial void LogStarted(ILogger logger, string runId, int processId, int argumentCount);

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId}: training process ended at epoch {Epoch}/{Epochs} after {Seconds:F1} s")]
    private static partial void LogFinished(ILogger logger, string runId, int epoch, int epochs, double seconds);
}
