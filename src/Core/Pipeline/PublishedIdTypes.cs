using Recommender.Core.Datasets;
using Recommender.Core.Evaluation;
using Recommender.Core.Storage;
using Recommender.Core.Training;

namespace Recommender.Core.Pipeline;

/// <summary>
/// The id types of a published version: its run's model.json names the dataset, whose manifest records
/// the type the input logs gave user and item ids. Exports give ids back in that type.
/// </summary>
public static class PublishedIdTypes
{
    /// <summary>The id types of version <paramref name="version"/> (a run id).</summary>
    /// <exception cref="ArtifactNotFoundException">The run's model.json or its dataset's manifest is not in <paramref name="artifacts"/>.</exception>
    /// <exception cref="InvalidCuratedDatasetException">The dataset's manifest cannot be read.</exception>
    public static async Task<RecommendationIdTypes> ReadAsync(IArtifactStore artifacts, string version, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(artifacts);
        TrainingRun.ValidateRunId(version, nameof(version));
        ModelManifest model = await TrainedModel.ReadManifestAsync(artifacts, version, cancellationToken).ConfigureAwait(false)
            ?? throw new ArtifactNotFoundException(ModelArtifactPaths.Manifest(version));
        DatasetManifest dataset = await new CuratedDatasetReader(artifacts).ReadManifestAsync(model.DatasetVersion, cancellationToken).ConfigureAwait(false);
        return new RecommendationIdTypes(dataset.UserIdType, dataset.ItemIdType);
    }
}
