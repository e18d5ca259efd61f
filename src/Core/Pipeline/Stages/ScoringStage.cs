using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Recommender.Core.Datasets;
using Recommender.Core.Lookup;
using Recommender.Core.Models;
using Recommender.Core.Scoring;
using Recommender.Core.Storage;
using Recommender.Core.Training;

namespace Recommender.Core.Pipeline;

/// <summary>
/// Stage 4: once per run, the scoring bundle (<c>models/{runId}/scoring/</c>); then, shard by shard, every
/// user's top-K items, excluding each item the user interacted with, written to the lookup table under the
/// run's version. A shard reads only the item table and its own users' rows, so its memory does not grow
/// with the user count.
/// </summary>
public sealed partial class ScoringStage
{
    private const int LookupBatchSize = 500;

    /// <summary>
    /// Users a shard reads and scores at a time: its memory is this block's rows and lists (a few MB at
    /// K = 100), whatever the shard's size, plus the item table.
    /// </summary>
    private const int UsersPerBlock = 8192;

    private readonly IArtifactStore _artifacts;
    private readonly ILookupStore _lookup;
    private readonly CuratedDatasetReader _datasets;
    private readonly ScoringItemsCache _scoringItems;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    /// <summary>Creates the stage.</summary>
    /// <param name="artifacts">Holds the models and receives the bundle.</param>
    /// <param name="lookup">Receives the lists.</param>
    /// <param name="datasets">Reads the seen items of every user for the bundle.</param>
    /// <param name="time">Stamps the lists; the system clock when null.</param>
    /// <param name="logger">Receives one line per bundle.</param>
    public ScoringStage(IArtifactStore artifacts, ILookupStore lookup, CuratedDatasetReader datasets, TimeProvider? time = null, ILogger<ScoringStage>? logger = null)
    {
        _artifacts = artifacts ?? throw new ArgumentNullException(nameof(artifacts));
        _lookup = lookup ?? throw new ArgumentNullException(nameof(lookup));
        _datasets = datasets ?? throw new ArgumentNullException(nameof(datasets));
        _scoringItems = new ScoringItemsCache(artifacts);
        _time = time ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>
    /// Writes the run's scoring bundle: the item table whole, and the users' factors, ids and seen items (train
    /// and held-out) as rows a shard reads by byte range. This step loads the whole model and dataset, as
    /// evaluation does; the shards never do. Skipped when a complete bundle for the same dataset is already there.
    /// </summary>
    public async Task<PrepareScoringOutput> PrepareAsync(PrepareScoringInput input, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        ScoringBundleHeader? existing = await CompleteBundleAsync(input.RunId, input.DatasetVersion, cancellationToken).ConfigureAwait(false);
        if (existing is not null)
        {
            return new PrepareScoringOutput(existing.UserCount, existing.ItemCount, existing.Dimension, existing.TotalBytes);
        }

        string modelRunId = input.ModelRunId ?? input.RunId;
        TrainedModel model = await TrainedModel.LoadAsync(_artifacts, modelRunId, cancellationToken).ConfigureAwait(false);
        CuratedDataset dataset = await _datasets.ReadAsync(input.DatasetVersion, cancellationToken).ConfigureAwait(false);
        if (model.Manifest.DatasetVersion != dataset.Version || model.Factors.UserCount != dataset.UserCount || model.Factors.ItemCount != dataset.ItemCount)
        {
            throw new InvalidOperationException(
                $"Model '{modelRunId}' has {model.Factors.UserCount} users and {model.Factors.ItemCount} items of dataset '{model.Manifest.DatasetVersion}' but run '{input.RunId}' scores dataset '{input.DatasetVersion}' of {dataset.UserCount} and {dataset.ItemCount}.");
        }

        var seen = UserItemSets.FromInteractions(dataset.AllSeen, dataset.UserCount, dataset.ItemCount);

        // The bundle lives with the run whose version the shards publish, whichever of its models it holds.
        ScoringBundleHeader header = await ScoringBundleWriter.WriteAsync(
            _artifacts, input.RunId, model.Manifest.BestEpoch, dataset.Version, model.Factors, model.UserIds, model.ItemIds, seen, cancellationToken).ConfigureAwait(false);
        LogScoringPrepared(_logger, input.RunId, header.UserCount, header.ItemCount, header.TotalBytes);
        return new PrepareScoringOutput(header.UserCount, header.ItemCount, header.Dimension, header.TotalBytes);
    }

    /// <summary>
    /// Top-K lists of users [FirstUser, EndUser) under the run's version. Reads the item table (once per process
    /// and run) and only its own users' rows of the scoring bundle, a block at a time.
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

        // One scorer (item table, score buffer) for every block; the user rows come with each block.
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId}: scoring bundle of {Users} users and {Items} items written ({Bytes} bytes)")]
    private static partial void LogScoringPrepared(ILogger logger, string runId, int users, int items, long bytes);

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId}: writing the scoring bundle ({Reason})")]
    private static partial void LogScoringBundleRewritten(ILogger logger, string runId, string reason);
}
