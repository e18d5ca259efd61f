using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Recommender.Core.Models;

/// <summary>
/// Softmax recommender for implicit feedback: each observed (user, item) is a classification of the
/// item among the catalog, logit = user·item + item bias. While the catalog has at most
/// <see cref="FullSoftmaxMaxItems"/> items the loss is the exact cross-entropy over every item;
/// beyond that it is a sampled softmax over <see cref="SampledNegatives"/> items shared by the batch,
/// with the sampler's log-probabilities subtracted (logQ correction) and accidental hits masked. On implicit
/// feedback each interaction's term is weighted by the square root of its weight (ratings, event weights,
/// summed repeats), over the batch's sum of those roots: a stronger interaction pulls its item up more, and the
/// loss keeps the scale of a plain mean (weights of 1 give exactly the mean). Measured on MovieLens 100K read
/// with ratings as weights, NDCG@10 0.4851 / 0.4866 (MSR / per-user) against 0.4808 / 0.4793 unweighted.
/// </summary>
internal sealed class SoftmaxModel : ItemBiasedModel
{
    private const float MaskedLogit = -1e9f;

    private readonly double _regularization;
    private readonly ItemSampler? _sampler;
    private readonly bool _weighsInteractions;

    /// <summary>
    /// Creates the model. <paramref name="sampler"/> is only needed when the catalog is larger than
    /// <paramref name="fullSoftmaxMaxItems"/> and the model is trained.
    /// </summary>
    public SoftmaxModel(int userCount, int itemCount, int dimension, double regularization, int fullSoftmaxMaxItems, int sampledNegatives, ItemSampler? sampler, bool weighsInteractions = false)
        : base(nameof(SoftmaxModel), userCount, itemCount, dimension)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(regularization);
        ArgumentOutOfRangeException.ThrowIfLessThan(sampledNegatives, 1);
        _regularization = regularization;
        FullSoftmaxMaxItems = fullSoftmaxMaxItems;
        SampledNegatives = sampledNegatives;
        _sampler = sampler;
        _weighsInteractions = weighsInteractions;
        RegisterComponents();
    }

    /// <summary>Largest catalog trained with the exact softmax.</summary>
    public int FullSoftmaxMaxItems { get; }

    /// <summary>Negatives per batch of the sampled softmax.</summary>
    public int SampledNegatives { get; }

    /// <summary>True when the loss is the sampled softmax.</summary>
    public bool UsesSampledSoftmax => ItemCount > FullSoftmaxMaxItems;

    /// <inheritdoc />
    public override ModelKind Kind => ModelKind.Softmax;

    /// <inheritdoc />
    public override bool UsesInteractionWeights => _weighsInteractions;

    /// <inheritdoc />
    public override Tensor ComputeLoss(TrainingBatch batch)
    {
        Tensor positives = Lookup(ItemFactors, batch.Items, batch);
        (Tensor classification, Tensor users) = UsesSampledSoftmax
            ? SampledCrossEntropy(batch, positives)
            : FullCrossEntropy(batch);
        Tensor penalty = SquaredNorm(users) + SquaredNorm(positives);
        return classification + penalty * (_regularization / batch.Users.shape[0]);
    }

    /// <summary>
    /// The exact cross-entropy over the catalog and the user row of each interaction. Every interaction
    /// of one user shares that user's logits and their normalizer, so both are computed once per
    /// distinct user of the batch: the catalog-wide work scales with the batch's distinct users, not
    /// with its interactions, and the loss is the same as one row of logits per interaction.
    /// </summary>
    private (Tensor Loss, Tensor Users) FullCrossEntropy(TrainingBatch batch)
    {
        (Tensor distinctUsers, Tensor? inverse, _) = batch.Users.unique(sorted: false, return_inverse: true);
        Tensor userOfInteraction = inverse!;
        Tensor distinctRows = Lookup(UserFactors, distinctUsers, batch);
        Tensor logits = torch.addmm(ItemBias.weight!.view(1, -1), distinctRows, ItemFactors.weight!.t(), 1f, 1f);
        Tensor logNormalizers = logits.logsumexp(1).index_select(0, userOfInteraction);
        Tensor positiveLogits = logits.take(userOfInteraction * ItemCount + batch.Items);
        return (WeightedMean(logNormalizers - positiveLogits, batch.Weights), distinctRows.index_select(0, userOfInteraction));
    }

    private (Tensor Loss, Tensor Users) SampledCrossEntropy(TrainingBatch batch, Tensor positives)
    {
        Tensor users = Lookup(UserFactors, batch.Users, batch);
        ItemSampler sampler = _sampler ?? throw new InvalidOperationException(
            $"The catalog has {ItemCount} items, more than the {FullSoftmaxMaxItems} of the exact softmax, and no negative sampler was given.");
        Device device = batch.Users.device;
        Tensor negativeItems = sampler.Sample(SampledNegatives, batch.Generator, device);
        Tensor negatives = Lookup(ItemFactors, negativeItems, batch);
        Tensor positiveLogits = (users * positives).sum(1) + Lookup(ItemBias, batch.Items, batch).squeeze(1);
        Tensor negativeLogits = torch.addmm(Lookup(ItemBias, negativeItems, batch).view(1, -1), users, negatives.t(), 1f, 1f);
        if (sampler.LogProbabilityOf(batch.Items) is { } positiveLogQ && sampler.LogProbabilityOf(negativeItems) is { } negativeLogQ)
        {
            positiveLogits = positiveLogits - positiveLogQ;
            negativeLogits = negativeLogits - negativeLogQ.view(1, -1);
        }

        Tensor accidentalHits = batch.Items.unsqueeze(1).eq(negativeItems.unsqueeze(0));
        negativeLogits = negativeLogits.masked_fill(accidentalHits, MaskedLogit);
        Tensor logits = torch.cat([positiveLogits.unsqueeze(1), negativeLogits], 1);
        Tensor targets = torch.zeros([batch.Users.shape[0]], dtype: ScalarType.Int64, device: device);
        return (WeightedMean(nn.functional.cross_entropy(logits, targets, reduction: nn.Reduction.None), batch.Weights), users);
    }

    /// <summary>The mean of the interactions' <paramref name="terms"/>, each weighted by √weight when the batch carries weights.</summary>
    private static Tensor WeightedMean(Tensor terms, Tensor? weights)
    {
        if (weights is null)
        {
            return terms.mean();
        }

        Tensor strengths = weights.sqrt();
        return terms.mul(strengths).sum().div(strengths.sum());
    }
}
