using Recommender.Core.Datasets;
using Recommender.Core.Scoring;
using Recommender.Core.Storage;
using Recommender.Core.Training;

namespace Recommender.Core.Pipeline;

/// <summary>What every scoring shard of a run needs: the model's best factors and each user's items to exclude.</summary>
/// <param name="Model">The trained model (factors and external ids).</param>
/// <param name="Seen">Every item each user interacted with in the input (train and held-out), never recommended again.</param>
public sealed record ScoringInputs(TrainedModel Model, UserItemSets Seen);

/// <summary>
/// Loads <see cref="ScoringInputs"/> once per (run, dataset) and shares them between the shards a
/// process scores, so a worker that gets many shards of the same run reads the model once.
/// </summary>
internal sealed class ScoringInputsCache(IArtifactStore artifacts)
{
    private readonly Lock _gate = new();
    private (string Key, Task<ScoringInputs> Inputs)? _current;

    public Task<ScoringInputs> GetAsync(string runId, string datasetVersion, CancellationToken cancellationToken)
    {
        string key = $"{runId}|{datasetVersion}";
        lock (_gate)
        {
            if (_current is { } current && current.Key == key && !current.Inputs.IsFaulted && !current.Inputs.IsCanceled)
            {
                return current.Inputs;
            }

            Task<ScoringInputs> loading = LoadAsync(runId, datasetVersion, cancellationToken);
            _current = (key, loading);
            return loading;
        }
    }

    private async Task<ScoringInputs> LoadAsync(string runId, string datasetVersion, CancellationToken cancellationToken)
    {
        TrainedModel model = await TrainedModel.LoadAsync(artifacts, runId, cancellationToken).ConfigureAwait(false);
        CuratedDataset dataset = await new CuratedDatasetReader(artifacts).ReadAsync(datasetVersion, cancellationToken).ConfigureAwait(false);
        if (model.Factors.UserCount != dataset.UserCount || model.Factors.ItemCount != dataset.ItemCount)
        {
            throw new InvalidOperationException(
                $"Model '{runId}' has {model.Factors.UserCount} users and {model.Factors.ItemCount} items but dataset '{datasetVersion}' has {dataset.UserCount} and {dataset.ItemCount}.");
        }

        var all = new InteractionTable(
            [.. dataset.Train.Users, .. dataset.Validation.Users],
            [.. dataset.Train.Items, .. dataset.Validation.Items],
            [.. dataset.Train.Weights, .. dataset.Validation.Weights],
            [.. dataset.Train.Timestamps, .. dataset.Validation.Timestamps]);
        return new ScoringInputs(model, UserItemSets.FromInteractions(all, dataset.UserCount, dataset.ItemCount));
    }
}
