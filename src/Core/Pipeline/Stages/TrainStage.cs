using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Recommender.Core.Datasets;
using Recommender.Core.Evaluation;
using Recommender.Core.Models;
using Recommender.Core.Preprocessing;
using Recommender.Core.Storage;
using Recommender.Core.Training;

namespace Recommender.Core.Pipeline;

/// <summary>
/// Stage 2: trains a run's model (or its refit) a bounded number of epochs per call, resuming from the run's
/// checkpoints, so a host can spread one training over several short calls and a crash loses one epoch at most.
/// </summary>
public sealed class TrainStage
{
    private const long MaxLeaderboardBytes = 1 << 20;

    private readonly IArtifactStore _artifacts;
    private readonly CuratedDatasetReader _datasets;
    private readonly ModelTrainer _trainer;
    private readonly TrainingOptions _options;
    private readonly ILogger _logger;

    /// <summary>Creates the stage.</summary>
    /// <param name="artifacts">Holds the datasets, checkpoints and manifests.</param>
    /// <param name="datasets">Reads the curated dataset a run trains on.</param>
    /// <param name="trainer">Trains one run.</param>
    /// <param name="options">The configured training options, before a run's overrides.</param>
    /// <param name="logger">Receives the automatic choice's lines.</param>
    public TrainStage(IArtifactStore artifacts, CuratedDatasetReader datasets, ModelTrainer trainer, IOptions<TrainingOptions> options, ILogger<TrainStage>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _artifacts = artifacts ?? throw new ArgumentNullException(nameof(artifacts));
        _datasets = datasets ?? throw new ArgumentNullException(nameof(datasets));
        _trainer = trainer ?? throw new ArgumentNullException(nameof(trainer));
        _options = options.Value;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>
    /// Trains up to <see cref="TrainStageInput.MaxEpochsThisCall"/> more epochs. With
    /// <see cref="TrainStageInput.RefitOf"/> set, it trains that run's refit instead: on train + validation, for
    /// the run's best epoch count, unvalidated. With kind Auto on implicit feedback, it trains the candidates in
    /// turn and then the one validation chose.
    /// </summary>
    /// <param name="input">The run, its dataset and overrides.</param>
    /// <param name="progress">Receives each epoch (the CLI draws it); null for none.</param>
    /// <param name="cancellationToken">Stops between batches; the checkpoints stay.</param>
    public async Task<TrainStageOutput> RunAsync(TrainStageInput input, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        CuratedDataset dataset = await _datasets.ReadAsync(input.DatasetVersion, cancellationToken).ConfigureAwait(false);
        TrainingOptions options;
        TrainingRun run;
        ITrainingValidator? validator = null;
        if (input.RefitOf is { } source)
        {
            if (input.RunId != ModelRefit.RunIdOf(source))
            {
                throw new ArgumentException($"The refit of run '{source}' is run '{ModelRefit.RunIdOf(source)}', not '{input.RunId}'.", nameof(input));
            }

            (dataset, options, run) = await ModelRefit.PrepareAsync(_artifacts, dataset, source, input.MaxEpochsThisCall, _options.Device, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            TrainingOptions requested = ApplyOverrides(_options, input.Overrides);
            options = requested.Resolve(dataset.IsExplicit);
            validator = TrainingValidators.For(dataset, options.Kind, input.EvaluationK);
            if (MakesAChoice(requested, dataset.IsExplicit))
            {
                // The candidates fill in their own kind's defaults, so they get the options as requested.
                var choice = new AutomaticModelChoice(_artifacts, _trainer, _logger);
                return input.Candidate is { } candidate
                    ? await choice.TrainCandidateAsync(input, dataset, requested, validator, candidate, progress, cancellationToken).ConfigureAwait(false)
                    : await choice.TrainAsync(input, dataset, requested, validator, progress, cancellationToken).ConfigureAwait(false);
            }

            if (input.Candidate is not null)
            {
                throw new ArgumentException($"Run '{input.RunId}' trains one {options.Kind} model, so it has no candidate '{input.Candidate}'.", nameof(input));
            }

            string? warmStart = await UsableWarmStartAsync(input.WarmStartRunId, input.RunId, options, dataset, cancellationToken).ConfigureAwait(false);
            run = new TrainingRun(input.RunId, warmStart) { MaxEpochsThisCall = input.MaxEpochsThisCall };
        }

        var stopwatch = Stopwatch.StartNew();
        TrainingResult result = await _trainer.TrainAsync(dataset, options, run, _artifacts, validator, progress, cancellationToken).ConfigureAwait(false);
        return TrainStageOutput.Of(result.RunId, result, options.Epochs!.Value, validator?.MetricName ?? string.Empty, stopwatch.Elapsed.TotalSeconds) with
        {
            ResumedFromEpoch = result.ResumedFromEpoch,
        };
    }

    /// <summary>
    /// The candidates of <paramref name="input"/>'s automatic choice (kind Auto on implicit feedback), none when
    /// the run trains one model. A host may train them in parallel, each with <see cref="TrainStageInput.Candidate"/>
    /// set, and then call <see cref="ChooseAsync"/>; <see cref="RunAsync"/> without a candidate does all of it in turn.
    /// </summary>
    public async Task<CandidatePlan> PlanCandidatesAsync(TrainStageInput input, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);

        // The manifest says all the plan needs (feedback kind and counts), without reading the interactions.
        DatasetManifest dataset = await _datasets.ReadManifestAsync(input.DatasetVersion, cancellationToken).ConfigureAwait(false);
        TrainingOptions requested = ApplyOverrides(_options, input.Overrides);
        bool choice = input.RefitOf is null && MakesAChoice(requested, dataset.Feedback == FeedbackKind.Explicit);
        IReadOnlyList<string> candidates = choice
            ? [.. ModelCandidates.For(requested, dataset.Statistics.Users, dataset.Statistics.Items).Select(candidate => candidate.Name)]
            : [];
        return new CandidatePlan(candidates, requested.SelectionTimeBudget);
    }

    /// <summary>
    /// The automatic choice once its candidates are trained: picks on validation, makes the winner the run's
    /// model and returns the run's output with the leaderboard. Calling it again returns the same choice.
    /// </summary>
    public async Task<TrainStageOutput> ChooseAsync(ChooseModelInput input, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        TrainStageInput training = input.Training;
        CuratedDataset dataset = await _datasets.ReadAsync(training.DatasetVersion, cancellationToken).ConfigureAwait(false);
        TrainingOptions requested = ApplyOverrides(_options, training.Overrides);
        if (!MakesAChoice(requested, dataset.IsExplicit))
        {
            throw new ArgumentException($"Run '{training.RunId}' trains one model; there is nothing to choose.", nameof(input));
        }

        ITrainingValidator validator = TrainingValidators.For(dataset, requested.Resolve(dataset.IsExplicit).Kind, training.EvaluationK);
        var choice = new AutomaticModelChoice(_artifacts, _trainer, _logger);
        return await choice.ChooseAsync(training, dataset, requested, validator, input.Skipped, progress: null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The run <paramref name="input"/> may warm-start from: its warm-start run when that one finished with the same kind and dimension, else null.</summary>
    public async Task<string?> WarmStartForAsync(TrainStageInput input, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.WarmStartRunId is null || input.WarmStartRunId == input.RunId)
        {
            return null;
        }

        CuratedDataset dataset = await _datasets.ReadAsync(input.DatasetVersion, cancellationToken).ConfigureAwait(false);
        return await UsableWarmStartAsync(input.WarmStartRunId, input.RunId, ApplyOverrides(_options, input.Overrides), dataset, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Where a run trained elsewhere (a job execution) stands, from its manifest <c>models/{runId}/model.json</c>,
    /// with the leaderboard of its automatic choice when it made one.
    /// </summary>
    /// <exception cref="ArtifactNotFoundException">The run wrote no manifest.</exception>
    public async Task<TrainStageOutput> ReadProgressAsync(TrainStageInput input, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        ModelManifest manifest = await TrainedModel.ReadManifestAsync(_artifacts, input.RunId, cancellationToken).ConfigureAwait(false)
            ?? throw new ArtifactNotFoundException(ModelArtifactPaths.Manifest(input.RunId));
        return new TrainStageOutput(
            manifest.RunId,
            manifest.Epochs.Count,
            manifest.Options.Epochs ?? manifest.Epochs.Count,
            manifest.Status is not TrainingStatus.Running,
            manifest.BestEpoch,
            manifest.MetricName ?? string.Empty,
            manifest.BestMetric,
            manifest.Device,
            manifest.Epochs.Sum(e => e.WallSeconds))
        {
            Leaderboard = await ModelArtifactJson.ReadAsync<List<LeaderboardEntry>>(_artifacts, ModelArtifactPaths.Leaderboard(input.RunId), MaxLeaderboardBytes, cancellationToken).ConfigureAwait(false),
        };
    }

    /// <summary>Training options with a run's overrides applied.</summary>
    /// <exception cref="ArgumentException">The overrides name a model kind that does not exist.</exception>
    public static TrainingOptions ApplyOverrides(TrainingOptions options, TrainingOverrides? overrides)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (overrides is null)
        {
            return options;
        }

        ModelKind kind = options.Kind;
        if (overrides.Kind is not null && !ModelKindNames.TryParse(overrides.Kind, out kind))
        {
            throw new ArgumentException($"Unknown model kind '{overrides.Kind}'; use one of {string.Join(", ", ModelKindNames.ShortNames)}.");
        }

        return options with
        {
            Kind = kind,
            Dimension = overrides.Dimension ?? options.Dimension,
            Epochs = overrides.Epochs ?? options.Epochs,
            LearningRate = overrides.LearningRate ?? options.LearningRate,
            Seed = overrides.Seed ?? options.Seed,
        };
    }

    /// <summary>True when a run with these options on such feedback chooses among candidates: kind Auto on implicit feedback.</summary>
    private static bool MakesAChoice(TrainingOptions requested, bool isExplicit) =>
        requested.Kind == ModelKind.Auto && !isExplicit;

    private async Task<string?> UsableWarmStartAsync(string? liveRunId, string runId, TrainingOptions options, CuratedDataset dataset, CancellationToken cancellationToken)
    {
        if (liveRunId is null || liveRunId == runId)
        {
            return null;
        }

        ModelManifest? live = await TrainedModel.ReadManifestAsync(_artifacts, liveRunId, cancellationToken).ConfigureAwait(false);
        return live is not null && CanSeed(live, options, dataset.IsExplicit) ? liveRunId : null;
    }

    /// <summary>
    /// True when finished run <paramref name="source"/> can seed a run of <paramref name="options"/> on feedback that is
    /// explicit or not: the same concrete kind and dimension, and it finished (completed or stopped early).
    /// </summary>
    public static bool CanSeed(ModelManifest source, TrainingOptions options, bool isExplicit)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(options);
        return source.Dimension == options.Dimension
            && source.Kind == ModelFactory.Resolve(options.Kind, isExplicit)
            && source.Status is TrainingStatus.Completed or TrainingStatus.EarlyStopped;
    }
}
