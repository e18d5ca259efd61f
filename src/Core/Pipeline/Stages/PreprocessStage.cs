using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Recommender.Core.Ingestion;
using Recommender.Core.Lookup;
using Recommender.Core.Preprocessing;
using Recommender.Core.Storage;
using Recommender.Core.Training;

namespace Recommender.Core.Pipeline;

/// <summary>
/// Stage 1: every raw log into a curated dataset (<c>datasets/{version}/</c>), the raw logs left as they are.
/// The dataset's version is a hash of its content, so running the stage again for a run rewrites nothing new.
/// </summary>
public sealed partial class PreprocessStage
{
    private readonly IArtifactStore _artifacts;
    private readonly ILookupStore _lookup;
    private readonly IInteractionLogSource _logs;
    private readonly PreprocessStep _step;
    private readonly PreprocessingOptions _options;
    private readonly ColumnMapping _mapping;
    private readonly ILogger _logger;

    /// <summary>Creates the stage.</summary>
    /// <param name="artifacts">Where the curated dataset is written.</param>
    /// <param name="lookup">Read for the live version, to say whether it was trained on the same dataset.</param>
    /// <param name="logs">The raw logs.</param>
    /// <param name="step">Reads and curates the logs.</param>
    /// <param name="options">Filters, split and weights of preprocessing.</param>
    /// <param name="mapping">Which columns hold what; null detects them.</param>
    /// <param name="logger">Receives one line per run.</param>
    public PreprocessStage(
        IArtifactStore artifacts,
        ILookupStore lookup,
        IInteractionLogSource logs,
        PreprocessStep step,
        IOptions<PreprocessingOptions> options,
        ColumnMapping? mapping = null,
        ILogger<PreprocessStage>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _artifacts = artifacts ?? throw new ArgumentNullException(nameof(artifacts));
        _lookup = lookup ?? throw new ArgumentNullException(nameof(lookup));
        _logs = logs ?? throw new ArgumentNullException(nameof(logs));
        _step = step ?? throw new ArgumentNullException(nameof(step));
        _options = options.Value;
        _mapping = mapping ?? ColumnMapping.AutoDetect;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>
    /// Reports each log read or rejected, fails when none is usable, fingerprints the logs (so the run can tell
    /// later whether new data arrived) and says whether the live version was trained on this very dataset.
    /// </summary>
    public async Task<PreprocessStageOutput> RunAsync(PreprocessStageInput input, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        string fingerprint = await _logs.FingerprintAsync(cancellationToken).ConfigureAwait(false);
        PreprocessingResult result = await _step.RunAsync(_logs, _mapping, _options, _artifacts, progress: null, cancellationToken).ConfigureAwait(false);
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

    /// <summary>True when the raw logs differ from <paramref name="fingerprint"/>.</summary>
    public async Task<bool> InputChangedAsync(string fingerprint, CancellationToken cancellationToken = default) =>
        !string.Equals(await _logs.FingerprintAsync(cancellationToken).ConfigureAwait(false), fingerprint, StringComparison.Ordinal);

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

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId}: dataset {DatasetVersion} with {Users} users, {Items} items, {Interactions} interactions ({Rejected} logs rejected)")]
    private static partial void LogPreprocessed(ILogger logger, string runId, string datasetVersion, int users, int items, int interactions, int rejected);
}
