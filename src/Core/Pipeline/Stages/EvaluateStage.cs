using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Recommender.Core.Datasets;
using Recommender.Core.Evaluation;
using Recommender.Core.Reports;
using Recommender.Core.Storage;
using Recommender.Core.Training;

namespace Recommender.Core.Pipeline;

/// <summary>
/// Stage 3: the new model, the popularity baseline and the live model measured on the same held-out data, and
/// the quality gate's verdict; writes <c>evaluation.json</c> and the run's HTML report, and plans the refit (or,
/// when there is none, drops what the run kept for one).
/// </summary>
public sealed partial class EvaluateStage
{
    private readonly IArtifactStore _artifacts;
    private readonly CuratedDatasetReader _datasets;
    private readonly TrainingOptions _training;
    private readonly ILogger _logger;

    /// <summary>Creates the stage.</summary>
    /// <param name="artifacts">Holds the models, and receives the evaluation and report.</param>
    /// <param name="datasets">Reads the held-out data.</param>
    /// <param name="training">Says whether a passed model is refitted on train + validation.</param>
    /// <param name="logger">Receives the verdict, and why a live model could not be compared.</param>
    public EvaluateStage(IArtifactStore artifacts, CuratedDatasetReader datasets, IOptions<TrainingOptions> training, ILogger<EvaluateStage>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(training);
        _artifacts = artifacts ?? throw new ArgumentNullException(nameof(artifacts));
        _datasets = datasets ?? throw new ArgumentNullException(nameof(datasets));
        _training = training.Value;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>Measures, gates, and writes the evaluation and report of <paramref name="input"/>'s run.</summary>
    public async Task<EvaluateStageOutput> RunAsync(EvaluateStageInput input, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        ModelEvaluation evaluation = await EvaluateModelAsync(input.RunId, input.DatasetVersion, input.LiveRunId, input.Settings.EvaluationK, cancellationToken).ConfigureAwait(false);
        (bool passed, string reason) = QualityGate.Decide(evaluation, input.Settings);
        ModelManifest manifest = await TrainedModel.ReadFinishedManifestAsync(_artifacts, input.RunId, cancellationToken).ConfigureAwait(false);
        RefitPlan? refit = passed && _training.Refit ? ModelRefit.PlanFor(manifest) : null;
        if (refit is null)
        {
            await ModelRefit.DropWhatWasKeptForRefitAsync(_artifacts, manifest, cancellationToken).ConfigureAwait(false);
        }

        await WriteEvaluationAsync(input.RunId, evaluation, passed, reason, refit, cancellationToken).ConfigureAwait(false);
        await TrainingReport.WriteAsync(_artifacts, manifest, evaluation, new GateDecision(passed, reason, refit), cancellationToken).ConfigureAwait(false);
        LogEvaluated(_logger, input.RunId, passed, reason);
        return new EvaluateStageOutput(evaluation.Model, evaluation.Popularity, evaluation.Live, passed, reason, refit) { LiveNotCompared = evaluation.LiveNotCompared };
    }

    /// <summary>Metrics at <paramref name="k"/> of a trained run, popularity and (optionally) another run, on one dataset's held-out data.</summary>
    public async Task<ModelEvaluation> EvaluateModelAsync(string runId, string datasetVersion, string? liveRunId, int k, CancellationToken cancellationToken = default)
    {
        CuratedDataset dataset = await _datasets.ReadAsync(datasetVersion, cancellationToken).ConfigureAwait(false);
        TrainedModel model = await TrainedModel.LoadAsync(_artifacts, runId, cancellationToken).ConfigureAwait(false);
        var popularity = PopularityRecommender.FromDataset(dataset);
        return ModelEvaluation.Compute(dataset, model, popularity, await LoadLiveAsync(liveRunId, runId, cancellationToken).ConfigureAwait(false), k, cancellationToken);
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId}: quality gate passed={Passed}: {Reason}")]
    private static partial void LogEvaluated(ILogger logger, string runId, bool passed, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Live model {RunId} cannot be compared: {Reason}")]
    private static partial void LogLiveModelUnavailable(ILogger logger, string runId, string reason);
}
