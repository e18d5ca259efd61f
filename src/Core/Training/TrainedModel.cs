using Recommender.Core.Models;
using Recommender.Core.Storage;

namespace Recommender.Core.Training;

/// <summary>
/// A finished run loaded for scoring: the best epoch's factors, the external ids of their rows and
/// the run's <c>model.json</c>.
/// </summary>
public sealed class TrainedModel
{
    private const long MaxManifestBytes = 64L << 20;

    private TrainedModel(ModelManifest manifest, FactorSnapshot factors, IReadOnlyList<string> userIds, IReadOnlyList<string> itemIds)
    {
        Manifest = manifest;
        Factors = factors;
        UserIds = userIds;
        ItemIds = itemIds;
    }

    /// <summary>The run's description.</summary>
    public ModelManifest Manifest { get; }

    /// <summary>Factors of the best epoch.</summary>
    public FactorSnapshot Factors { get; }

    /// <summary>External user id of each user row of <see cref="Factors"/>.</summary>
    public IReadOnlyList<string> UserIds { get; }

    /// <summary>External item id of each item row of <see cref="Factors"/>.</summary>
    public IReadOnlyList<string> ItemIds { get; }

    /// <summary>
    /// Loads the best epoch of a finished run. Throws <see cref="ArtifactNotFoundException"/> when the
    /// run does not exist and <see cref="InvalidModelArtifactException"/> when it has not finished or its
    /// files are inconsistent (a checkpoint is checked against model.json before anything is allocated).
    /// </summary>
    public static async Task<TrainedModel> LoadAsync(IArtifactStore store, string runId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        TrainingRun.ValidateRunId(runId, nameof(runId));
        ModelManifest manifest = await ReadFinishedManifestAsync(store, runId, cancellationToken).ConfigureAwait(false);
        ModelVocabulary vocabulary = await ReadVocabularyAsync(store, manifest, cancellationToken).ConfigureAwait(false);
        using EmbeddingModel model = await LoadModuleAsync(store, manifest, manifest.BestEpoch, cancellationToken).ConfigureAwait(false);
        return new TrainedModel(manifest, model.ExportFactors(), vocabulary.UserIds, vocabulary.ItemIds);
    }

    /// <summary>Reads and checks the model.json of a run that has finished training.</summary>
    internal static async Task<ModelManifest> ReadFinishedManifestAsync(IArtifactStore store, string runId, CancellationToken cancellationToken)
    {
        string path = ModelArtifactPaths.Manifest(runId);
        ModelManifest manifest = await ReadManifestAsync(store, runId, cancellationToken).ConfigureAwait(false)
            ?? throw new ArtifactNotFoundException(path);
        if (manifest.Status is not (TrainingStatus.Completed or TrainingStatus.EarlyStopped))
        {
            throw new InvalidModelArtifactException(path, $"the run has not finished training (status {manifest.Status})");
        }

        return manifest;
    }

    /// <summary>Reads and checks a run's model.json; null when the run does not exist.</summary>
    public static async Task<ModelManifest?> ReadManifestAsync(IArtifactStore store, string runId, CancellationToken cancellationToken)
    {
        string path = ModelArtifactPaths.Manifest(runId);
        ModelManifest? manifest = await ModelArtifactJson.ReadAsync<ModelManifest>(store, path, MaxManifestBytes, cancellationToken).ConfigureAwait(false);
        if (manifest is not null)
        {
            _ = ShapeOf(manifest, runId);
        }

        return manifest;
    }

    /// <summary>The parameter shapes a manifest describes, after checking it is self-consistent.</summary>
    internal static ModelShape ShapeOf(ModelManifest manifest, string runId)
    {
        string path = ModelArtifactPaths.Manifest(runId);
        if (manifest.FormatVersion != ModelManifest.CurrentFormatVersion)
        {
            throw new InvalidModelArtifactException(path, $"format version {manifest.FormatVersion} is not supported");
        }

        if (manifest.RunId != runId)
        {
            throw new InvalidModelArtifactException(path, $"it describes run '{manifest.RunId}'");
        }

        if (manifest.Kind is not (ModelKind.MatrixFactorization or ModelKind.Bpr or ModelKind.Softmax or ModelKind.Ease or ModelKind.Ials or ModelKind.Blend)
            || manifest.UserCount < 1 || manifest.ItemCount < 1
            || manifest.Kind switch
            {
                ModelKind.Ease => manifest.Dimension != manifest.ItemCount,
                ModelKind.Blend => !ModelShape.IsScoringDimension(manifest.Dimension, manifest.ItemCount),
                _ => manifest.Dimension is < 1 or > ModelShape.MaxEmbeddingDimension,
            }
            || manifest.Parameters is null || manifest.Epochs is null || manifest.Options is null
            || manifest.BestEpoch < 0 || manifest.BestEpoch > manifest.Epochs.Count)
        {
            throw new InvalidModelArtifactException(path, "its kind, counts, dimension or epochs are out of range");
        }

        var shape = new ModelShape(manifest.Kind, manifest.UserCount, manifest.ItemCount, manifest.Dimension);
        if (!TensorShape.SameTensors(manifest.Parameters, ModelFactory.ExpectedParameters(shape)))
        {
            throw new InvalidModelArtifactException(path, "its parameter shapes do not match its kind, counts and dimension");
        }

        return shape;
    }

    /// <summary>Reads a run's vocabulary and checks it against the manifest.</summary>
    internal static async Task<ModelVocabulary> ReadVocabularyAsync(IArtifactStore store, ModelManifest manifest, CancellationToken cancellationToken)
    {
        string path = ModelArtifactPaths.Vocabulary(manifest.RunId);
        ModelVocabulary vocabulary = await ModelArtifactJson.ReadAsync<ModelVocabulary>(store, path, ModelVocabulary.MaxBytes, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidModelArtifactException(path, "it does not exist");
        if (vocabulary.UserIds is null || vocabulary.ItemIds is null
            || vocabulary.UserIds.Count != manifest.UserCount || vocabulary.ItemIds.Count != manifest.ItemCount)
        {
            throw new InvalidModelArtifactException(path, "its id counts differ from model.json");
        }

        return vocabulary;
    }

    /// <summary>
    /// Creates the run's model on the CPU and loads an epoch's checkpoint into it, after checking the
    /// checkpoint's record and stored size against the manifest so nothing is allocated for tensors the
    /// file does not really hold.
    /// </summary>
    internal static async Task<EmbeddingModel> LoadModuleAsync(IArtifactStore store, ModelManifest manifest, int epoch, CancellationToken cancellationToken)
    {
        ModelShape shape = ShapeOf(manifest, manifest.RunId);
        var checkpoints = new ModelCheckpoints(store, manifest.RunId);
        CheckpointRecord record = await checkpoints.ReadRecordAsync(epoch, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidModelArtifactException(ModelArtifactPaths.CheckpointRecord(manifest.RunId, epoch), "the checkpoint of the best epoch does not exist");
        await checkpoints.EnsureSizedAsync(record, manifest.Parameters, cancellationToken).ConfigureAwait(false);
        EmbeddingModel model = ModelFactory.Create(shape, ModelLossSettings.ForScoring);
        try
        {
            await checkpoints.LoadAsync(record, model, optimizer: null, cancellationToken).ConfigureAwait(false);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }
}
