using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Recommender.Core.Datasets;
using Recommender.Core.Evaluation;
using Recommender.Core.Lookup;

namespace Recommender.Core.Pipeline;

/// <summary>
/// Stage 5: stores the fallback list (most popular items, for users the table does not know), makes the run's
/// version the one the API serves, and deletes versions beyond the newest published ones kept.
/// </summary>
public sealed partial class PublishStage
{
    private readonly ILookupStore _lookup;
    private readonly CuratedDatasetReader _datasets;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    /// <summary>Creates the stage.</summary>
    /// <param name="lookup">The table the API reads.</param>
    /// <param name="datasets">Reads the interactions the fallback list counts.</param>
    /// <param name="time">Stamps the fallback list; the system clock when null.</param>
    /// <param name="logger">Receives one line per publish.</param>
    public PublishStage(ILookupStore lookup, CuratedDatasetReader datasets, TimeProvider? time = null, ILogger<PublishStage>? logger = null)
    {
        _lookup = lookup ?? throw new ArgumentNullException(nameof(lookup));
        _datasets = datasets ?? throw new ArgumentNullException(nameof(datasets));
        _time = time ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>The version the API serves now (the model a new run warm-starts from and is compared with), or null before the first publish.</summary>
    public Task<string?> GetLiveVersionAsync(CancellationToken cancellationToken = default) =>
        _lookup.GetActiveVersionAsync(cancellationToken);

    /// <summary>
    /// Publishes <paramref name="input"/>'s version; returns the version it replaced and the versions deleted. A
    /// call again after the switch (a retry of a call that failed while pruning, or whose host died after it) finds
    /// the version live already: it only prunes, and the version replaced is null, as that call cannot know it.
    /// </summary>
    public async Task<PublishStageOutput> RunAsync(PublishStageInput input, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (await _lookup.GetActiveVersionAsync(cancellationToken).ConfigureAwait(false) == input.RunId)
        {
            // Its fallback list was written before the switch, and a live version cannot be written again.
            IReadOnlyList<string> pruned = await PruneAsync(input.RunId, input.KeepVersions, cancellationToken).ConfigureAwait(false);
            LogPublished(_logger, input.RunId, "(published by an earlier call)", pruned.Count);
            return new PublishStageOutput(input.RunId, null, pruned);
        }

        CuratedDataset dataset = await _datasets.ReadAsync(input.DatasetVersion, cancellationToken).ConfigureAwait(false);
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId} published (previous {Previous}); {Deleted} old versions deleted")]
    private static partial void LogPublished(ILogger logger, string runId, string previous, int deleted);
}
