using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Recommender.Core.Datasets;
using Recommender.Core.Evaluation;
using Recommender.Core.Ingestion;
using Recommender.Core.Lookup;
using Recommender.Core.Models;
using Recommender.Core.Preprocessing;
using Recommender.Core.Reports;
using Recommender.Core.Scoring;
using Recommender.Core.Storage;
using Recommender.Core.Training;

namespace Recommender.Core.Pipeline;

/// <summary>
/// The pipeline's stages over the artifact store, the lookup table and the raw logs: the one
/// implementation behind the Functions activities and the CLI. Each stage is idempotent for a
/// run id: paths are derived from it, training resumes from its checkpoints and lookup rows are
/// upserts under the run's version.
/// </summary>
public sealed partial class PipelineStages
{
    private const int LookupBatchSize = 500;

    /// <summary>
    /// Users a shard reads and scores at a time: its memory is this block's rows and lists (a few MB at
    /// K = 100), whatever the shard's size, plus the item table.
    /// </summary>
    private const int UsersPerBlock = 8192;
    private readonly IArtifactStore _artifacts;
    private readonly ILookupStore _lookup;
    private readonly IInteractionLogSource _logs;
    private readonly PreprocessingOptions _preprocessing;
    private readonly TrainingOptions _training;
    private readonly ColumnMapping _mapping;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly ScoringItemsCache _scoringItems;

    /// <summary>Creates the stages.</summary>
    public PipelineStages(
        IArtifactStore artifacts,
        ILookupStore lookup,
        IInteractionLogSource logs,
        IOptions<PreprocessingOptions> preprocessing,
        IOptions<TrainingOptions> training,
        ColumnMapping? mapping = null,
        ILoggerFactory? loggers = null,
        TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(preprocessing);
        ArgumentNullException.ThrowIfNull(training);
        _artifacts = artifacts ?? throw new ArgumentNullException(nameof(artifacts));
        _lookup = lookup ?? throw new ArgumentNullException(nameof(lookup));
        _logs = logs ?? throw new ArgumentNullException(nameof(logs));
        _preprocessing = preprocessing.Value;
        _training = training.Value;
        _mapping = mapping ?? ColumnMapping.AutoDetect;
        _loggers = loggers ?? NullLoggerFactory.Instance;
        _logger = _loggers.CreateLogger<PipelineStages>();
        _time = time ?? TimeProvider.System;
        _scoringItems = new ScoringItemsCache(artifacts);
    }

    /// <summary>
    /// Stage 1: every raw log into a curated dataset; reports each log read or rejected, fails when none is usable,
    /// and says whether the live version was trained on this very dataset.
    /// </summary>
    public async Task<PreprocessStageOutput> PreprocessAsync(PreprocessStageInput input, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        string fingerprint = await _logs.FingerprintAsync(cancellationToken).ConfigureAwait(false);
        var step = new PreprocessStep(
            new InteractionLogReader(_loggers.CreateLogger<InteractionLogReader>()),
            new InteractionPreprocessor(_loggers.CreateLogger<InteractionPreprocessor>()));
        PreprocessingResult result = await step.RunAsync(_logs, _mapping, _preprocessing, _artifacts, progress: null, cancellationToken).ConfigureAwait(false);
        LogPreprocessed(_logger, input.RunId, result.DatasetVersion, result.Users, result.Items, result.Interactions, result.RejectedLogs.Count);
        return new PreprocessStageOutput(
            result.DatasetVersion,
            result.Users,
            result.Items,
            result.Interactions,
            result.TrainInteractions,
            result.ValidationInteractions,
            PreprocessingSummary.From(result),
            fingerprint,
            await LiveRunTrainedOnAsync(result.DatasetVersion, cancellationToken).ConfigureAwait(false));
    }

    private async Task<string?> LiveRunTrainedOnAsync(string datasetVersion, CancellationToken cancellationToken)
    {
        string? live = await _lookup.GetActiveVersionAsync(cancellationToken).ConfigureAwait(false);
        if (live is null)
        {
            return null;
        }

        ModelManifest? manifest = await TrainedModel.ReadManifestAsync(_artifacts, live, cancellationToken).ConfigureAwait(false);
        return manifest?.DatasetVersion == datasetVersion ? live : null;
    }

    /// <summary>The version the API serves now, or null before the first publish.</summary>
    public Task<string?> GetLiveVersionAsync(CancellationToken cancellationToken = default) =>
        _lookup.GetActiveVersionAsync(cancellationToken);

    /// <summary>Stage 2: trains up to <see cref="TrainStageInput.MaxEpochsThisCall"/> more epochs, resuming from the run's checkpoints.</summary>
    public async Task<TrainStageOutput> TrainAsync(TrainStageInput input, CancellationToken cancellationToken = default) =>
        await TrainAsync(input, progress: null, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Stage 2 with a progress callback (the CLI draws it). With <see cref="TrainStageInput.RefitOf"/> set, it
    /// trains that run's refit instead: on train + validation, for the run's best epoch count, unvalidated.
    /// </summary>
    public async Task<TrainStageOutput> TrainAsync(TrainStageInput input, IProgress<TrainingProgress>? progress, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        CuratedDataset dataset = await new CuratedDatasetReader(_artifacts).ReadAsync(input.DatasetVersion, cancellationToken).ConfigureAwait(false);
        TrainingOptions options;
        TrainingRun run;
        ITrainingValidator? validator = null;
        if (input.RefitOf is { } source)
        {
            if (input.RunId != ModelRefit.RunIdOf(source))
            {
                throw new ArgumentException($"The refit of run '{source}' is run '{ModelRefit.RunIdOf(source)}', not '{input.RunId}'.", nameof(input));
            }

            (dataset, options, run) = await ModelRefit.PrepareAsync(_artifacts, dataset, source, input.MaxEpochsThisCall, _training.Device, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            TrainingOptions requested = ApplyOverrides(_training, input.Overrides);
            options = requested.Resolve(dataset.IsExplicit);
            validator = TrainingValidators.For(dataset, options.Kind, input.EvaluationK);
            if (requested.Kind == ModelKind.Auto && !dataset.IsExplicit)
            {
                // The candidates fill in their own kind's defaults, so they get the options as requested.
                var choice = new AutomaticModelChoice(_artifacts, new ModelTrainer(_loggers.CreateLogger<ModelTrainer>(), _time), _logger);
                return await choice.TrainAsync(input, dataset, requested, validator, progress, cancellationToken).ConfigureAwait(false);
            }

            string? warmStart = await UsableWarmStartAsync(input.WarmStartRunId, input.RunId, options, dataset, cancellationToken).ConfigureAwait(false);
            run = new TrainingRun(input.RunId, warmStart) { MaxEpochsThisCall = input.MaxEpochsThisCall };
        }

        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        TrainingResult result = await new ModelTrainer(_loggers.CreateLogger<ModelTrainer>(), _time)
            .TrainAsync(dataset, options, run, _artifacts, validator, progress, cancellationToken)
            .ConfigureAwait(false);
        return new TrainStageOutput(
            result.RunId,
            result.Epochs.Count,
            options.Epochs!.Value,
            result.Status is not TrainingStatus.Running,
            result.BestEpoch,
            result.MetricName ?? validator?.MetricName ?? string.Empty,
            result.BestMetric,
            result.Device,
            stopwatch.Elapsed.TotalSeconds);
    }

    /// <summary>The run <paramref name="input"/> may warm-start from: its warm-start run when that one finished with the same kind and dimension, else null.</summary>
    public async Task<string?> WarmStartForAsync(TrainStageInput input, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.WarmStartRunId is null || input.WarmStartRunId == input.RunId)
        {
            return null;
        }

        CuratedDataset dataset = await new CuratedDatasetReader(_artifacts).ReadAsync(input.DatasetVersion, cancellationToken).ConfigureAwait(false);
        return await UsableWarmStartAsync(input.WarmStartRunId, input.RunId, ApplyOverrides(_training, input.Overrides), dataset, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Where a run trained elsewhere (a job execution) stands, from its manifest <c>models/{runId}/model.json</c>.</summary>
    /// <exception cref="ArtifactNotFoundException">The run wrote no manifest.</exception>
    public async Task<TrainStageOutput> ReadTrainingProgressAsync(TrainStageInput input, CancellationToken cancellationToken = default)
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
            manifest.Epochs.Sum(e => e.WallSeconds));
    }

    /// <summary>Stage 3: the new model, the popularity baseline and the live model on the same held-out data; the quality gate.</summary>
    public async Task<EvaluateStageOutput> EvaluateAsync(EvaluateStageInput input, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        ModelEvaluation evaluation = await EvaluateModelAsync(input.RunId, input.DatasetVersion, input.LiveRunId, input.Settings.EvaluationK, cancellationToken).ConfigureAwait(false);
        (bool passed, string reason) = QualityGate.Decide(evaluation, input.Settings);
        ModelManifest manifest = await TrainedModel.ReadFinishedManifestAsync(_artifacts, input.RunId, cancellationToken).ConfigureAwait(false);
        RefitPlan? refit = passed && _training.Refit ? ModelRefit.PlanFor(manifest) : null;
        await WriteEvaluationAsync(input.RunId, evaluation, passed, reason, refit, cancellationToken).ConfigureAwait(false);
        await TrainingReport.WriteAsync(_artifacts, manifest, evaluation, new GateDecision(passed, reason, refit), cancellationToken).ConfigureAwait(false);
        LogEvaluated(_logger, input.RunId, passed, reason);
        return new EvaluateStageOutput(evaluation.Model, evaluation.Popularity, evaluation.Live, passed, reason, refit) { LiveNotCompared = evaluation.LiveNotCompared };
    }

    /// <summary>Metrics at <paramref name="k"/> of a trained run, popularity and (optionally) another run, on one dataset's held-out data.</summary>
    public async Task<ModelEvaluation> EvaluateModelAsync(string runId, string datasetVersion, string? liveRunId, int k, CancellationToken cancellationToken = default)
    {
        CuratedDataset dataset = await new CuratedDatasetReader(_artifacts).ReadAsync(datasetVersion, cancellationToken).ConfigureAwait(false);
        TrainedModel model = await TrainedModel.LoadAsync(_artifacts, runId, cancellationToken).ConfigureAwait(false);
        var popularity = PopularityRecommender.FromDataset(dataset);
        return ModelEvaluation.Compute(dataset, model, popularity, await LoadLiveAsync(liveRunId, runId, cancellationToken).ConfigureAwait(false), k, cancellationToken);
    }

    /// <summary>
    /// Stage 4, once per run before the shards: writes the run's scoring bundle (<c>models/{runId}/scoring/</c>):
    /// the item table whole, and the users' factors, ids and seen items (train and held-out) as rows a shard
    /// reads by byte range. This step loads the whole model and dataset, as evaluation does; the shards never
    /// do. Skipped when a complete bundle for the same dataset is already there.
    /// </summary>
    public async Task<PrepareScoringOutput> PrepareScoringAsync(PrepareScoringInput input, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        ScoringBundleHeader? existing = await CompleteBundleAsync(input.RunId, input.DatasetVersion, cancellationToken).ConfigureAwait(false);
        if (existing is not null)
        {
            return new PrepareScoringOutput(existing.UserCount, existing.ItemCount, existing.Dimension, existing.TotalBytes);
        }

        string modelRunId = input.ModelRunId ?? input.RunId;
        TrainedModel model = await TrainedModel.LoadAsync(_artifacts, modelRunId, cancellationToken).ConfigureAwait(false);
        CuratedDataset dataset = await new CuratedDatasetReader(_artifacts).ReadAsync(input.DatasetVersion, cancellationToken).ConfigureAwait(false);
        if (model.Manifest.DatasetVersion != dataset.Version || model.Factors.UserCount != dataset.UserCount || model.Factors.ItemCount != dataset.ItemCount)
        {
            throw new InvalidOperationException(
                $"Model '{modelRunId}' has {model.Factors.UserCount} users and {model.Factors.ItemCount} items of dataset '{model.Manifest.DatasetVersion}' but run '{input.RunId}' scores dataset '{input.DatasetVersion}' of {dataset.UserCount} and {dataset.ItemCount}.");
        }

        var seen = UserItemSets.FromInteractions([dataset.Train, dataset.Validation], dataset.UserCount, dataset.ItemCount);

        // The bundle lives with the run whose version the shards publish, whichever of its models it holds.
        ScoringBundleHeader header = await ScoringBundleWriter.WriteAsync(
            _artifacts, input.RunId, model.Manifest.BestEpoch, dataset.Version, model.Factors, model.UserIds, model.ItemIds, seen, cancellationToken).ConfigureAwait(false);
        LogScoringPrepared(_logger, input.RunId, header.UserCount, header.ItemCount, header.TotalBytes);
        return new PrepareScoringOutput(header.UserCount, header.ItemCount, header.Dimension, header.TotalBytes);
    }

    /// <summary>
    /// Stage 4: top-K lists of users [FirstUser, EndUser) under the run's version, excluding every item each
    /// user interacted with. Reads the item table (once per process and run) and only its own users' rows of
    /// the scoring bundle, a block at a time, so its memory does not grow with the user count.
    /// </summary>
    public async Task<ScoreShardOutput> ScoreShardAsync(ScoreShardInput input, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        ScoringItems items = await _scoringItems.GetAsync(input.RunId, input.DatasetVersion, cancellationToken).ConfigureAwait(false);
        ScoringBundleHeader header = items.Header;
        int end = Math.Min(input.EndUser, header.UserCount);
        if (input.FirstUser < 0 || input.FirstUser > end)
        {
            throw new ArgumentOutOfRangeException(nameof(input), $"User range [{input.FirstUser}, {input.EndUser}) is outside the {header.UserCount} users of run '{input.RunId}'.");
        }

        DateTimeOffset generated = _time.GetUtcNow();
        var batch = new List<UserRecommendations>(LookupBatchSize);
        int written = 0;

        // One scorer (item table copy, score buffer) for every block; the user rows come with each block.
        using var scorer = new TopKScorer(new FactorSnapshot([], items.Factors, 0, header.ItemCount, header.Dimension));
        for (int blockStart = input.FirstUser; blockStart < end; blockStart += UsersPerBlock)
        {
            ScoringUsers users = await ScoringBundleReader.ReadUsersAsync(_artifacts, header, blockStart, Math.Min(end, blockStart + UsersPerBlock), cancellationToken).ConfigureAwait(false);
            RecommendationLists lists = scorer.ScoreRows(input.K, users.Factors, users.Count, users.Seen, cancellationToken);
            for (int row = 0; row < lists.UserCount; row++)
            {
                batch.Add(ToRecommendations(items.Ids, users.Ids[row], lists.ItemsOf(row), lists.ScoresOf(row), input.RunId, generated));
                if (batch.Count == LookupBatchSize)
                {
                    await _lookup.WriteAsync(input.RunId, batch, cancellationToken).ConfigureAwait(false);
                    written += batch.Count;
                    batch.Clear();
                }
            }
        }

        if (batch.Count > 0)
        {
            await _lookup.WriteAsync(input.RunId, batch, cancellationToken).ConfigureAwait(false);
            written += batch.Count;
        }

        return new ScoreShardOutput(input.FirstUser, end, written);
    }

    /// <summary>Stage 5: stores the fallback list, makes the run's version live and keeps only the newest versions.</summary>
    public async Task<PublishStageOutput> PublishAsync(PublishStageInput input, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        CuratedDataset dataset = await new CuratedDatasetReader(_artifacts).ReadAsync(input.DatasetVersion, cancellationToken).ConfigureAwait(false);
        (int[] items, float[] scores) = PopularityRecommender.FromDataset(dataset).MostPopular(input.TopK);
        var fallback = new UserRecommendations(
            "*",
            items.Select(item => dataset.ItemIds[item]).ToList(),
            scores,
            input.RunId,
            _time.GetUtcNow());
        await _lookup.WriteFallbackAsync(input.RunId, fallback, cancellationToken).ConfigureAwait(false);
        string? previous = await _lookup.PublishAsync(input.RunId, cancellationToken).ConfigureAwait(false);
        IReadOnlyList<string> deleted = await PruneAsync(input.RunId, input.KeepVersions, cancellationToken).ConfigureAwait(false);
        LogPublished(_logger, input.RunId, previous ?? "(none)", deleted.Count);
        return new PublishStageOutput(input.RunId, previous, deleted);
    }

    /// <summary>True when the raw logs differ from <paramref name="fingerprint"/>.</summary>
    public async Task<bool> InputChangedAsync(string fingerprint, CancellationToken cancellationToken = default) =>
        !string.Equals(await _logs.FingerprintAsync(cancellationToken).ConfigureAwait(false), fingerprint, StringComparison.Ordinal);

    /// <summary>Training options with a run's overrides applied.</summary>
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

    private async Task<string?> UsableWarmStartAsync(string? liveRunId, string runId, TrainingOptions options, CuratedDataset dataset, CancellationToken cancellationToken)
    {
        if (liveRunId is null || liveRunId == runId)
        {
            return null;
        }

        ModelManifest? live = await TrainedModel.ReadManifestAsync(_artifacts, liveRunId, cancellationToken).ConfigureAwait(false);
        bool compatible = live is not null
            && live.Dimension == options.Dimension
            && live.Kind == ModelFactory.Resolve(options.Kind, dataset.IsExplicit)
            && live.Status is TrainingStatus.Completed or TrainingStatus.EarlyStopped;
        return compatible ? liveRunId : null;
    }

    private async Task<TrainedModel?> LoadLiveAsync(string? liveRunId, string runId, CancellationToken cancellationToken)
    {
        if (liveRunId is null || liveRunId == runId)
        {
            return null;
        }

        try
        {
            return await TrainedModel.LoadAsync(_artifacts, liveRunId, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ArtifactNotFoundException or InvalidModelArtifactException)
        {
            LogLiveModelUnavailable(_logger, liveRunId, ex.Message);
            return null;
        }
    }

    private async Task WriteEvaluationAsync(string runId, ModelEvaluation evaluation, bool passed, string reason, RefitPlan? refit, CancellationToken cancellationToken)
    {
        var report = new { runId, passed, reason, k = evaluation.K, gateMetric = evaluation.GateMetric, model = evaluation.Model, popularity = evaluation.Popularity, live = evaluation.Live, liveNotCompared = evaluation.LiveNotCompared, refit };
        await ModelArtifactJson.WriteAsync(_artifacts, PipelinePaths.Evaluation(runId), report, cancellationToken).ConfigureAwait(false);
    }

    private async Task<IReadOnlyList<string>> PruneAsync(string current, int keep, CancellationToken cancellationToken)
    {
        IReadOnlyList<LookupVersion> versions = await _lookup.ListVersionsAsync(cancellationToken).ConfigureAwait(false);
        var keepers = versions.Where(v => v.IsPublished).OrderByDescending(v => v.CreatedAt).ThenByDescending(v => v.Version, StringComparer.Ordinal)
            .Take(keep).Select(v => v.Version).ToHashSet(StringComparer.Ordinal);
        keepers.Add(current);
        var deleted = new List<string>();
        foreach (LookupVersion version in versions)
        {
            // Unpublished versions other than the current one are orphans of runs that died before publishing.
            if (!version.IsActive && !keepers.Contains(version.Version))
            {
                await _lookup.DeleteVersionAsync(version.Version, cancellationToken).ConfigureAwait(false);
                deleted.Add(version.Version);
            }
        }

        return deleted;
    }

    private async Task<ScoringBundleHeader?> CompleteBundleAsync(string runId, string datasetVersion, CancellationToken cancellationToken)
    {
        if (await _artifacts.GetInfoAsync(ScoringBundle.HeaderPath(runId), cancellationToken).ConfigureAwait(false) is null)
        {
            return null;
        }

        try
        {
            ScoringBundleHeader header = await ScoringBundleReader.ReadHeaderAsync(_artifacts, runId, cancellationToken).ConfigureAwait(false);
            return header.DatasetVersion == datasetVersion ? header : null;
        }
        catch (InvalidModelArtifactException ex)
        {
            // An incomplete or damaged bundle (a crash while it was rewritten, say) is derived data: written again.
            LogScoringBundleRewritten(_logger, runId, ex.Message);
            return null;
        }
    }

    private static UserRecommendations ToRecommendations(string[] itemIds, string userId, ReadOnlySpan<int> items, ReadOnlySpan<float> scores, string version, DateTimeOffset generated)
    {
        var ids = new string[items.Length];
        for (int i = 0; i < items.Length; i++)
        {
            ids[i] = itemIds[items[i]];
        }

        return new UserRecommendations(userId, ids, scores.ToArray(), version, generated);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId}: dataset {DatasetVersion} with {Users} users, {Items} items, {Interactions} interactions ({Rejected} logs rejected)")]
    private static partial void LogPreprocessed(ILogger logger, string runId, string datasetVersion, int users, int items, int interactions, int rejected);

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId}: quality gate passed={Passed}: {Reason}")]
    private static partial void LogEvaluated(ILogger logger, string runId, bool passed, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId}: scoring bundle of {Users} users and {Items} items written ({Bytes} bytes)")]
    private static partial void LogScoringPrepared(ILogger logger, string runId, int users, int items, long bytes);

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId}: writing the scoring bundle ({Reason})")]
    private static partial void LogScoringBundleRewritten(ILogger logger, string runId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId} published (previous {Previous}); {Deleted} old versions deleted")]
    private static partial void LogPublished(ILogger logger, string runId, string previous, int deleted);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Live model {RunId} cannot be compared: {Reason}")]
    private static partial void LogLiveModelUnavailable(ILogger logger, string runId, string reason);
}
