using System.ComponentModel.DataAnnotations;
using AnnotationResult = System.ComponentModel.DataAnnotations.ValidationResult;
using Recommender.Core.Models;

namespace Recommender.Core.Training;

/// <summary>
/// Hyperparameters of one training run. The defaults are tuned on MovieLens 100K (the Recommenders
/// benchmark's 75/25 split per item, seed 42): with them the softmax model reaches NDCG@10 of about
/// 0.485, BPR about 0.438 and matrix factorization (on the ratings) an RMSE of about 0.918. Learning
/// rate, regularization, epochs and early-stopping patience default per model kind (see <see cref="Resolve"/>).
/// </summary>
public sealed record TrainingOptions : IValidatableObject
{
    /// <summary>Configuration section the options bind from, as a full path (<c>Recommender__Training__*</c> as environment variables).</summary>
    public const string SectionName = "Recommender:Training";

    /// <summary>
    /// Model to train. <see cref="ModelKind.Auto"/>: matrix factorization for explicit data; for implicit feedback the
    /// pipeline trains a few candidates (EASE where the catalog fits, iALS, softmax on small catalogs) and keeps the best on validation, while
    /// the trainer alone, given Auto, trains softmax.
    /// </summary>
    public ModelKind Kind { get; init; } = ModelKind.Auto;

    /// <summary>Embedding dimension. Default 64.</summary>
    [Range(1, ModelShape.MaxEmbeddingDimension)]
    public int Dimension { get; init; } = 64;

    /// <summary>Most epochs to train (early stopping may end sooner); null for the kind's default: BPR 60, softmax and matrix factorization 30.</summary>
    [Range(1, 100_000)]
    public int? Epochs { get; init; }

    /// <summary>
    /// Interactions per mini-batch; null for the kind's default: softmax 2048, the others 1024 (EASE and
    /// iALS, fitted in closed form, have no batches). Softmax computes its catalog-wide logits once per
    /// distinct user of a batch, so its larger batches cost less per epoch, and on MovieLens 100K they also
    /// ranked better (test NDCG@10 0.482 under both protocols, against 0.474 and 0.477 at 1024).
    /// </summary>
    [Range(1, 1 << 22)]
    public int? BatchSize { get; init; }

    /// <summary>Adam learning rate; null for the kind's default: softmax 0.01, BPR 0.005, matrix factorization 0.002.</summary>
    [Range(1e-12, double.MaxValue)]
    public double? LearningRate { get; init; }

    /// <summary>
    /// L2 penalty on the embedding rows that take part in each batch, divided by the batch size (the
    /// classic per-example regularization of factorization models); null for the kind's default:
    /// softmax 0.05, BPR 0.005, matrix factorization 0.05. For EASE, the λ of its first epoch: epoch e
    /// fits λ·2^(e−1), and validation picks the epoch (default 25). For iALS, λ of its frequency-scaled
    /// penalty λ·(n + α₀·N) on each row with n interactions (default IalsRegularization).
    /// </summary>
    [Range(0.0, double.MaxValue)]
    public double? Regularization { get; init; }

    /// <summary>
    /// iALS: α₀, the weight of the squared score of every user–item pair (the observed ones are pulled to 1
    /// with weight 1); null for the default, IalsUnobservedWeight. Other kinds ignore it.
    /// </summary>
    [Range(0.0, 1e6)]
    public double? UnobservedWeight { get; init; }

    /// <summary>Adam's weight decay, applied to every parameter at every step. Default 0 (off).</summary>
    [Range(0.0, double.MaxValue)]
    public double WeightDecay { get; init; }

    /// <summary>BPR: negative items drawn uniformly per observed interaction. Default 4.</summary>
    [Range(1, 1024)]
    public int Negatives { get; init; } = 4;

    /// <summary>Softmax: the exact softmax over every item is used while the catalog has at most this many items. Default 20,000.</summary>
    [Range(1, int.MaxValue)]
    public int FullSoftmaxMaxItems { get; init; } = 20_000;

    /// <summary>Sampled softmax: negative items drawn per batch (shared by its rows). Default 2048.</summary>
    [Range(1, 1 << 20)]
    public int SampledNegatives { get; init; } = 2048;

    /// <summary>Sampled softmax: the distribution negatives come from. Default log-uniform by popularity.</summary>
    public NegativeSampling NegativeSampling { get; init; } = NegativeSampling.LogUniform;

    /// <summary>
    /// Standard deviation of the normal distribution the gradient-trained embeddings (MF, BPR, softmax) start from.
    /// Default 0.01. iALS starts from 0.1/√dimension, the scale its paper found to matter, whatever this says; EASE
    /// and the blend have no random start.
    /// </summary>
    [Range(0.0, 10.0)]
    public double InitialStandardDeviation { get; init; } = 0.01;

    /// <summary>Seed of initialization, shuffling and negative sampling; the same seed gives the same run on CPU. Default 42.</summary>
    public long Seed { get; init; } = 42;

    /// <summary>Where to train. <see cref="TrainingDevice.Auto"/> uses CUDA when present and otherwise CPU (and says so).</summary>
    public TrainingDevice Device { get; init; } = TrainingDevice.Auto;

    /// <summary>
    /// Evaluations without improvement of the validator's metric before training stops; 0 turns early
    /// stopping off; null for the kind's default: BPR 15, softmax, matrix factorization and iALS 3, EASE 2.
    /// Softmax and MF peak clearly on MovieLens 100K (epochs 12 and 9) and degrade after; BPR's validation
    /// NDCG climbs slowly through noise of about ±0.005 until epoch 50 or so, and a patience of 3 or 10
    /// stopped it at 0.424 or 0.428 instead of 0.438. EASE's epochs walk a doubling λ grid along which
    /// validation rises to one peak and falls (MovieLens 100K and the generated sparse logs alike), so two
    /// falls in a row end the walk; each further λ would cost a full fit and validation over the catalog.
    /// </summary>
    [Range(0, 100_000)]
    public int? EarlyStoppingPatience { get; init; }

    /// <summary>Validate every this many epochs (the last epoch is always validated). Default 1.</summary>
    [Range(1, 100_000)]
    public int EvaluateEvery { get; init; } = 1;

    /// <summary>
    /// Embedding tables with at least this many rows are updated lazily: each step changes only the
    /// rows its batch touched, values and Adam moments alike (PyTorch's <c>SparseAdam</c> rule), so a
    /// step costs the same for a thousand users or ten million. Smaller tables take the exact Adam
    /// step on the whole table, which is cheaper there. Default 4,096.
    /// </summary>
    [Range(1, int.MaxValue)]
    public int LazyUpdateMinRows { get; init; } = 4_096;

    /// <summary>
    /// Largest catalog EASE is fitted on: it holds item-by-item float matrices (see <see cref="EaseMemory"/>).
    /// Default 20,000.
    /// </summary>
    [Range(1, ModelShape.MaxEaseItems)]
    public int EaseMaxItems { get; init; } = 20_000;

    /// <summary>
    /// Most memory, in MB, an EASE fit may take by <see cref="EaseMemory.FitBytes"/> (users × items counts as much as
    /// the catalog squared); EASE is left out of the automatic choice, and refused when asked for, above it. Null
    /// (the default): no limit but <see cref="EaseMaxItems"/>. The Azure deployment sets it from the Function App's
    /// instance memory.
    /// </summary>
    [Range(1, int.MaxValue)]
    public int? EaseMaxMemoryMB { get; init; }

    /// <summary>
    /// The automatic model choice (<see cref="ModelKind.Auto"/> on implicit feedback) trains no further candidate
    /// once the ones before have taken this long together. Default 20 minutes.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan SelectionTimeBudget { get; init; } = TimeSpan.FromMinutes(20);

    /// <summary>
    /// Largest catalog on which the automatic model choice trains a softmax candidate: the full softmax's epoch
    /// grows with interactions × items, and beyond this iALS (which joins on every catalog) costs a fraction of
    /// it. Default 5,000. <c>Kind = Softmax</c> trains it on any catalog.
    /// </summary>
    [Range(0, int.MaxValue)]
    public int SelectionSoftmaxMaxItems { get; init; } = 5_000;

    /// <summary>
    /// When true (the default), the pipeline publishes a refit: once validation has chosen the epoch count
    /// and the quality gate has passed the model, the model is trained again on train and validation
    /// together for that many epochs (softmax: continued from its best epoch for a quarter of them; see
    /// <see cref="ModelRefit"/>), so the published model has seen all the data. The gate's numbers are
    /// those of the model trained on train only. False publishes that model itself.
    /// </summary>
    public bool Refit { get; init; } = true;

    /// <summary>
    /// <see cref="ModelKind.Blend"/> only: the trained models it blends and their weights, as the automatic choice
    /// chose them on validation. Each part trains as a run of its own (<c>{runId}.part-{name}</c>) with its options,
    /// so a refit of the blend refits every part. Null for every other kind.
    /// </summary>
    public IReadOnlyList<BlendPart>? BlendParts { get; init; }

    /// <summary>Most recent epoch checkpoints kept besides the best one. Default 2.</summary>
    [Range(1, 100_000)]
    public int CheckpointsToKeep { get; init; } = 2;

    /// <summary>iALS's default λ (tuned on validation splits of MovieLens 100K and a sparse generated log).</summary>
    public const double IalsRegularization = 0.01;

    /// <summary>iALS's default α₀.</summary>
    public const double IalsUnobservedWeight = 0.3;

    /// <summary>
    /// These options with <see cref="Kind"/> resolved for data that is explicit or not, and every
    /// per-kind default filled in: what a run actually trains with and records in model.json.
    /// </summary>
    public TrainingOptions Resolve(bool isExplicit)
    {
        ModelKind kind = ModelFactory.Resolve(Kind, isExplicit);
        (double learningRate, double regularization, int epochs, int patience) = kind switch
        {
            ModelKind.Bpr => (0.005, 0.005, 60, 15),
            ModelKind.Softmax => (0.01, 0.05, 30, 3),
            ModelKind.Ease => (0.01, 25.0, 30, 2),
            ModelKind.Ials => (0.01, IalsRegularization, 16, 3),
            ModelKind.Blend => (0.01, 0.0, 1, 0),
            _ => (0.002, 0.05, 30, 3),
        };
        return this with
        {
            Kind = kind,
            UnobservedWeight = kind == ModelKind.Ials ? UnobservedWeight ?? IalsUnobservedWeight : UnobservedWeight,
            Epochs = Epochs ?? epochs,
            LearningRate = LearningRate ?? learningRate,
            Regularization = Regularization ?? regularization,
            EarlyStoppingPatience = EarlyStoppingPatience ?? patience,
            BatchSize = BatchSize ?? (kind == ModelKind.Softmax ? 2048 : 1024),
        };
    }

    /// <summary>Throws <see cref="ValidationException"/> naming the first invalid option.</summary>
    public void Validate() => Validator.ValidateObject(this, new ValidationContext(this), validateAllProperties: true);

    /// <inheritdoc />
    public IEnumerable<AnnotationResult> Validate(ValidationContext validationContext)
    {
        if (!Enum.IsDefined(Kind))
        {
            yield return new AnnotationResult($"Kind '{Kind}' is not a model kind.", [nameof(Kind)]);
        }

        if (!Enum.IsDefined(Device))
        {
            yield return new AnnotationResult($"Device '{Device}' is not one of auto, cpu, cuda.", [nameof(Device)]);
        }

        if (!Enum.IsDefined(NegativeSampling))
        {
            yield return new AnnotationResult($"NegativeSampling '{NegativeSampling}' is not a sampling distribution.", [nameof(NegativeSampling)]);
        }

        if (LearningRate is { } learningRate && !double.IsFinite(learningRate)
            || Regularization is { } regularization && !double.IsFinite(regularization)
            || !double.IsFinite(WeightDecay))
        {
            yield return new AnnotationResult("LearningRate, Regularization and WeightDecay must be finite.", [nameof(LearningRate), nameof(Regularization), nameof(WeightDecay)]);
        }

        if (Kind == ModelKind.Ease && Regularization is 0)
        {
            yield return new AnnotationResult("Regularization must be above 0 for EASE: it is the λ of its first epoch, and with λ = 0 XᵀX has no inverse.", [nameof(Regularization)]);
        }

        foreach (string problem in BlendProblems())
        {
            yield return new AnnotationResult(problem, [nameof(BlendParts)]);
        }
    }

    private IEnumerable<string> BlendProblems()
    {
        if (Kind != ModelKind.Blend)
        {
            if (BlendParts is not null)
            {
                yield return $"BlendParts is for Kind Blend only, and Kind is {Kind}.";
            }

            yield break;
        }

        if (BlendParts is not { Count: >= 2 } parts)
        {
            yield return "Kind Blend is built by the automatic choice from at least two of its trained candidates (BlendParts); it cannot be trained on its own. Choose Auto, or another kind.";
            yield break;
        }

        if (parts.Count(part => part?.Options?.Kind == ModelKind.Ease) + ModelShape.MaxBlendedEmbeddings < parts.Count)
        {
            yield return $"A blend holds EASE and at most {ModelShape.MaxBlendedEmbeddings} embedding models.";
        }

        for (int index = 0; index < parts.Count; index++)
        {
            BlendPart? part = parts[index];
            string name = $"BlendParts[{index}]";
            if (part?.Options is null || string.IsNullOrEmpty(part.Name) || part.Name.Length > 32 || !part.Name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            {
                yield return $"{name} needs options and a name of 1-32 letters, digits, '-' or '_'.";
                continue;
            }

            if (!double.IsFinite(part.Weight) || part.Weight <= 0)
            {
                yield return $"{name} ({part.Name}) has weight {part.Weight}; a weight must be a positive number.";
            }

            if (part.Options.Kind is not (ModelKind.Ease or ModelKind.Ials or ModelKind.Softmax or ModelKind.Bpr))
            {
                yield return $"{name} ({part.Name}) is of kind {part.Options.Kind}; a blend's parts are EASE, iALS, softmax or BPR models.";
                continue;
            }

            var results = new List<AnnotationResult>();
            if (!Validator.TryValidateObject(part.Options, new ValidationContext(part.Options), results, validateAllProperties: true))
            {
                yield return $"{name} ({part.Name}): {results[0].ErrorMessage}";
            }
        }

        if (parts.Where(part => part?.Name is not null).GroupBy(part => part.Name).Any(group => group.Count() > 1))
        {
            yield return "The parts of a blend need distinct names.";
        }
    }
}

/// <summary>One trained model of a blend (<see cref="ModelKind.Blend"/>).</summary>
/// <param name="Name">The part's name (the candidate it was): its run is <c>{runId}.part-{name}</c>.</param>
/// <param name="Options">The part's options, resolved, with the epoch count validation chose and early stopping off.</param>
/// <param name="Weight">How much the part counts, each user's scores from it first put on one scale.</param>
public sealed record BlendPart(string Name, TrainingOptions Options, double Weight);

/// <summary>Where training runs.</summary>
public enum TrainingDevice
{
    /// <summary>CUDA when TorchSharp finds a CUDA device, otherwise CPU.</summary>
    Auto = 0,

    /// <summary>The CPU.</summary>
    Cpu = 1,

    /// <summary>The first CUDA device; training fails clearly when there is none.</summary>
    Cuda = 2,
}
