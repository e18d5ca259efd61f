using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Recommender.Core.Models;

/// <summary>
/// Bayesian personalized ranking for implicit feedback: each observed (user, item) should score above
/// <see cref="Negatives"/> items drawn uniformly at random; score = user·item + item bias.
/// </summary>
internal sealed class BprModel : ItemBiasedModel
{
    private readonly double _regularization;

    /// <summary>Creates the model.</summary>
    public BprModel(int userCount, int itemCount, int dimension, double regularization, int negatives)
        : base(nameof(BprModel), userCount, itemCount, dimension)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(regularization);
        ArgumentOutOfRangeException.ThrowIfLessThan(negatives, 1);
        _regularization = regularization;
        Negatives = negatives;
        RegisterComponents();
    }

    /// <summary>Negative items drawn per observed interaction.</summary>
    public int Negatives { get; }

    /// <inheritdoc />
    public override ModelKind Kind => ModelKind.Bpr;

    /// <inheritdoc />
    public override Tensor ComputeLoss(TrainingBatch batch)
    {
        long batchSize = batch.Users.shape[0];
        Tensor negativeItems = torch.randint(0, ItemCount, [batchSize, Negatives], dtype: ScalarType.Int64, device: batch.Users.device, generator: batch.Generator);
        Tensor users = Lookup(UserFactors, batch.Users, batch);
        Tensor positives = Lookup(ItemFactors, batch.Items, batch);
        Tensor negatives = Lookup(ItemFactors, negativeItems, batch);
        Tensor positiveBias = Lookup(ItemBias, batch.Items, batch);
        Tensor negativeBias = Lookup(ItemBias, negativeItems, batch).squeeze(2);
        Tensor positiveScores = (users * positives).sum(1, keepdim: true) + positiveBias;
        Tensor negativeScores = torch.bmm(negatives, users.unsqueeze(2)).squeeze(2) + negativeBias;
        Tensor ranking = -nn.functional.logsigmoid(positiveScores - negativeScores).mean();
        Tensor penalty = SquaredNorm(users) + SquaredNorm(positives) + SquaredNorm(negatives) / Negatives;
        return ranking + penalty * (_regularization / batchSize);
    }
}
