using Recommender.Core.Scoring;
using Recommender.Core.Storage;
using Recommender.Core.Training;

namespace Recommender.Core.Pipeline;

/// <summary>
/// Loads the item part of a run's scoring bundle once and shares it between the shards a process
/// scores, so a worker that gets many shards of the same run reads the item table once. Users are
/// never cached: each shard reads its own rows.
/// </summary>
internal sealed class ScoringItemsCache(IArtifactStore artifacts)
{
    private readonly Lock _gate = new();
    private (string RunId, Task<ScoringItems> Items)? _current;

    /// <summary>The item part of <paramref name="runId"/>'s bundle, which must have been written for <paramref name="datasetVersion"/>.</summary>
    public async Task<ScoringItems> GetAsync(string runId, string datasetVersion, CancellationToken cancellationToken)
    {
        Task<ScoringItems> loading;
        lock (_gate)
        {
            if (_current is { } current && current.RunId == runId && !current.Items.IsFaulted && !current.Items.IsCanceled)
            {
                loading = current.Items;
            }
            else
            {
                loading = LoadAsync(runId, cancellationToken);
                _current = (runId, loading);
            }
        }

        ScoringItems items = await loading.ConfigureAwait(false);
        if (items.Header.DatasetVersion != datasetVersion)
        {
            throw new InvalidModelArtifactException(
                ScoringBundle.HeaderPath(runId), $"it was written for dataset '{items.Header.DatasetVersion}', not '{datasetVersion}'");
        }

        return items;
    }

    private async Task<ScoringItems> LoadAsync(string runId, CancellationToken cancellationToken)
    {
        ScoringBundleHeader header = await ScoringBundleReader.ReadHeaderAsync(artifacts, runId, cancellationToken).ConfigureAwait(false);
        return await ScoringBundleReader.ReadItemsAsync(artifacts, header, cancellationToken).ConfigureAwait(false);
    }
}
