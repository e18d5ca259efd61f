using System.Globalization;
using Recommender.Core.Datasets;
using Recommender.Core.Models;
using Recommender.Core.Storage;

namespace Recommender.Core.Training;

/// <summary>
/// The refit of a finished run: once validation has chosen how many epochs to train (the run's best
/// epoch), a second run trains on train and validation together, with the same options and seed and no
/// validation, so the published model has seen all the data it was given. Most kinds train from their source's
/// start (fresh weights, or the run it warm-started from) for the chosen number of epochs; softmax continues from the run's weights at its best epoch for a
/// quarter of them (at least <see cref="MinContinuedEpochs"/>), which on MovieLens 100K costs a quarter of
/// the time and ranks the held-out part as well or better (see <see cref="ContinuesFromSource"/>).
/// It is an ordinary run with a derived id (<c>models/{runId}.refit/</c>), so it checkpoints and resumes like
/// any other. The first run stays as it is: the quality gate judges it, on validation numbers the refit
/// cannot have seen, and later runs compare with and warm-start from it.
/// </summary>
public static class ModelRefit
{
    private const string Suffix = ".refit";

    /// <summary>Fewest epochs a refit that continues from its source trains (unless the source's best epoch is lower).</summary>
    public const int MinContinuedEpochs = 3;

    /// <summary>
    /// True when the refit of a <paramref name="kind"/> run starts from that run's weights at its best epoch (a
    /// fresh optimizer, train + validation) instead of from scratch: softmax, whose training from scratch is the
    /// slow part of a run. Measured on MovieLens 100K (test NDCG@10, both protocols, batches of 1024), 3 epochs
    /// continued ranked 0.474 and 0.472 where the refit from scratch ranked 0.469 and 0.463, in a quarter of the time.
    /// </summary>
    public static bool ContinuesFromSource(ModelKind kind) => kind == ModelKind.Softmax;

    /// <summary>Epochs of a refit that continues from its source: a quarter of <paramref name="bestEpoch"/>, at least <see cref="MinContinuedEpochs"/>, at most <paramref name="bestEpoch"/>.</summary>
    public static int ContinuedEpochs(int bestEpoch) => Math.Min(bestEpoch, Math.Max(MinContinuedEpochs, (bestEpoch + 3) / 4));

    /// <summary>
    /// The part runs of blend run <paramref name="runId"/> (trained with <paramref name="options"/>) that its training
    /// keeps because the blend's refit continues from them (<see cref="ContinuesFromSource"/>); none when the run is
    /// no blend or is not to be refit.
    /// </summary>
    public static IEnumerable<string> PartRunsKeptFor(string runId, TrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options is { Kind: ModelKind.Blend, Refit: true, BlendParts: { } parts }
            ? parts.Where(part => ContinuesFromSource(part.Options.Kind)).Select(part => TrainingRun.BlendPartRunId(runId, part.Name))
            : [];
    }

    /// <summary>
    /// Deletes what finished run <paramref name="source"/> kept for a refit that is not going to run (the quality gate
    /// rejected the run, or the pipeline does not refit): the part runs of <see cref="PartRunsKeptFor"/>. The run
    /// itself stays, with its report.
    /// </summary>
    public static async Task DropWhatWasKeptForRefitAsync(IArtifactStore store, ModelManifest source, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(source);
        foreach (string partRun in PartRunsKeptFor(source.RunId, source.Options))
        {
            await store.DeleteUnderAsync(ModelArtifactPaths.Run(partRun), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The run id of <paramref name="runId"/>'s refit.</summary>
    public static string RunIdOf(string runId)
    {
        TrainingRun.ValidateRunId(runId, nameof(runId));
        return runId + Suffix;
    }

    /// <summary>
    /// The plan of refitting finished run <paramref name="source"/>: its refit's run id and epoch count. EASE's
    /// epochs are independent fits along a λ grid, so its refit is one fit at the λ of the best epoch; softmax
    /// continues from the best epoch's weights (<see cref="ContinuesFromSource"/>).
    /// </summary>
    public static RefitPlan PlanFor(ModelManifest source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return Plan(RunIdOf(source.RunId), source.Options, Math.Max(1, source.BestEpoch));
    }

    /// <summary>The refit under <paramref name="runId"/> of a run of <paramref name="options"/> whose best epoch was <paramref name="bestEpoch"/>.</summary>
    private static RefitPlan Plan(string runId, TrainingOptions options, int bestEpoch) => options switch
    {
        { Kind: ModelKind.Ease, Regularization: { } first } => new RefitPlan(runId, 1, EaseModel.RegularizationOfEpoch(first, bestEpoch)),
        { Kind: ModelKind.Blend, BlendParts: { } parts } => new RefitPlan(runId, 1, BlendParts: parts.Count),
        { Kind: var kind } when ContinuesFromSource(kind) => new RefitPlan(runId, ContinuedEpochs(bestEpoch), FromSourceWeights: true),
        _ => new RefitPlan(runId, bestEpoch),
    };

    /// <summary>
    /// What a refit of <paramref name="sourceRunId"/> trains on and with: <paramref name="data"/> with its
    /// validation interactions moved into train, and the source run's options with the epoch count set to
    /// its best epoch (EASE: one fit at the best epoch's λ; softmax: fewer, from the source's weights, which the
    /// returned run warm-starts from), early stopping and refit off, on <paramref name="device"/> (the source
    /// run's device when null).
    /// </summary>
    /// <exception cref="ArtifactNotFoundException">The source run does not exist.</exception>
    /// <exception cref="InvalidModelArtifactException">The source run has not finished.</exception>
    /// <exception cref="ArgumentException">The source run trained on another dataset.</exception>
    public static async Task<(CuratedDataset Data, TrainingOptions Options, TrainingRun Run)> PrepareAsync(
        IArtifactStore store, CuratedDataset data, string sourceRunId, int maxEpochsThisCall, TrainingDevice? device = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(data);
        ModelManifest source = await TrainedModel.ReadFinishedManifestAsync(store, sourceRunId, cancellationToken).ConfigureAwait(false);
        if (source.DatasetVersion != data.Version)
        {
            throw new ArgumentException($"Run '{sourceRunId}' trained on dataset '{source.DatasetVersion}', so it cannot be refit on dataset '{data.Version}'.", nameof(data));
        }

        RefitPlan plan = PlanFor(source);
        string? warmStart = plan.FromSourceWeights ? sourceRunId : await SourcesStartAsync(store, source, cancellationToken).ConfigureAwait(false);
        var run = new TrainingRun(plan.RunId, warmStart) { MaxEpochsThisCall = maxEpochsThisCall, RefitOf = sourceRunId };
        return (WithValidationInTrain(data), RefitOptions(source.Options, plan, device), run);
    }

    /// <summary>
    /// Where a refit that repeats <paramref name="source"/>'s training starts: fresh weights (null) when the source
    /// started from them, else the run it warm-started from, since its epoch count was chosen for that start (from fresh
    /// weights, a run that warm-started from a live model and peaked after an epoch or two would come out barely
    /// trained). When that run is gone or unfinished, the source itself, which holds what it learned from it.
    /// </summary>
    private static async Task<string?> SourcesStartAsync(IArtifactStore store, ModelManifest source, CancellationToken cancellationToken)
    {
        if (source.WarmStart is not { RunId: { } warmStartRunId })
        {
            return null;
        }

        ModelManifest? from = await TrainedModel.ReadManifestAsync(store, warmStartRunId, cancellationToken).ConfigureAwait(false);
        return from?.Status is TrainingStatus.Completed or TrainingStatus.EarlyStopped ? warmStartRunId : source.RunId;
    }

    /// <summary>
    /// The options of a refit by <paramref name="plan"/>; a blend's parts are each refit by their own plan, their
    /// options' epoch count being the one validation chose (the run id of a part's refit, and the part run it
    /// continues from, are the trainer's to give).
    /// </summary>
    private static TrainingOptions RefitOptions(TrainingOptions source, RefitPlan plan, TrainingDevice? device) => source with
    {
        Epochs = plan.Epochs,
        Regularization = plan.Regularization ?? source.Regularization,
        EarlyStoppingPatience = 0,
        Refit = false,
        Device = device ?? source.Device,
        BlendParts = source.BlendParts?.Select(part => part with
        {
            Options = RefitOptions(part.Options, Plan(string.Empty, part.Options, part.Options.Epochs ?? 1), device),
        }).ToArray(),
    };

    /// <summary><paramref name="data"/> with its validation interactions appended to train and none held out.</summary>
    public static CuratedDataset WithValidationInTrain(CuratedDataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        InteractionTable train = data.Train;
        InteractionTable validation = data.Validation;
        return new CuratedDataset
        {
            Version = data.Version,
            UserIds = data.UserIds,
            ItemIds = data.ItemIds,
            IsExplicit = data.IsExplicit,
            Train = new InteractionTable(
                [.. train.Users, .. validation.Users],
                [.. train.Items, .. validation.Items],
                [.. train.Weights, .. validation.Weights],
                [.. train.Timestamps, .. validation.Timestamps]),
            Validation = InteractionTable.Empty,
            SeenOnly = data.SeenOnly,
        };
    }
}

/// <summary>A refit to do: the refit's run id and how many epochs it trains on train + validation.</summary>
/// <param name="RunId">The refit's run id (<see cref="ModelRefit.RunIdOf"/>).</param>
/// <param name="Epochs">Epochs to train: the best epoch of the run it refits (1 for EASE; fewer for softmax, see <see cref="ModelRefit.ContinuedEpochs"/>).</param>
/// <param name="Regularization">EASE only: the λ of the best epoch, which the refit's single fit uses.</param>
/// <param name="BlendParts">A blend only: how many parts the refit refits (each as its own refit would), then blends.</param>
/// <param name="FromSourceWeights">True when the refit starts from the refitted run's weights at its best epoch instead of from scratch.</param>
public sealed record RefitPlan(string RunId, int Epochs, double? Regularization = null, int BlendParts = 0, bool FromSourceWeights = false)
{
    /// <summary>
    /// What the refit trains, for progress lines and reports: "3 epochs", "3 epochs on from the best epoch", "one fit
    /// at λ=400", or "each of the blend's 3 parts".
    /// </summary>
    public string Training => (Regularization, BlendParts, FromSourceWeights) switch
    {
        ({ } regularization, _, _) => string.Create(CultureInfo.InvariantCulture, $"one fit at λ={regularization:G4}"),
        (_, > 0, _) => string.Create(CultureInfo.InvariantCulture, $"each of the blend's {BlendParts} parts"),
        (_, _, true) => string.Create(CultureInfo.InvariantCulture, $"{Epochs} epochs on from the best epoch"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{Epochs} epochs"),
    };
}
