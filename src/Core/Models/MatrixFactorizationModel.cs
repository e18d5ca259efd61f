using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Recommender.Core.Models;

/// <summary>
/// Biased matrix factorization for explicit ratings: rating ≈ global + user bias + item bias + user·item.
/// Trained with mean squared error plus L2 regularization of the rows in each batch.
/// </summary>
internal sealed class MatrixFactorizationModel : EmbeddingModel
{
    [ComponentName(Name = "user_factors")]
    private readonly Embedding _userFactors;

    [ComponentName(Name = "item_factors")]
    private readonly Embedding _itemFactors;

    [ComponentName(Name = "user_bias")]
    private readonly Embedding _userBias;

    [ComponentName(Name = "item_bias")]
    private readonly Embedding _itemBias;

    [ComponentName(Name = "global_bias")]
    private readonly Parameter _globalBias;

    private readonly double _regularization;
    private readonly float _initialGlobalBias;

    /// <summary>Creates the model; <paramref name="initialGlobalBias"/> is usually the mean training rating.</summary>
    public MatrixFactorizationModel(int userCount, int itemCount, int dimension, double regularization, float initialGlobalBias)
        : base(nameof(MatrixFactorizationModel), userCount, itemCount, dimension)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(regularization);
        _regularization = regularization;
        _initialGlobalBias = initialGlobalBias;
        _userFactors = nn.Embedding(userCount, dimension);
        _itemFactors = nn.Embedding(itemCount, dimension);
        _userBias = nn.Embedding(userCount, 1);
        _itemBias = nn.Embedding(itemCount, 1);
        _globalBias = nn.Parameter(torch.zeros(1));
        RegisterComponents();
    }

    /// <inheritdoc />
    public override ModelKind Kind => ModelKind.MatrixFactorization;

    /// <inheritdoc />
    public override bool UsesInteractionWeights => true;

    /// <inheritdoc />
    public override void InitializeParameters(Generator generator, double standardDeviation)
    {
        InitializeNormal(_userFactors, generator, standardDeviation);
        InitializeNormal(_itemFactors, generator, standardDeviation);
        InitializeZeros(_userBias);
        InitializeZeros(_itemBias);
        using var noGrad = torch.no_grad();
        _globalBias.fill_(_initialGlobalBias);
    }

    /// <inheritdoc />
    public override Tensor ComputeLoss(TrainingBatch batch)
    {
        Tensor ratings = batch.Weights ?? throw new ArgumentException("Matrix factorization needs the ratings of the batch.", nameof(batch));
        Tensor users = Lookup(_userFactors, batch.Users, batch);
        Tensor items = Lookup(_itemFactors, batch.Items, batch);
        Tensor userBias = Lookup(_userBias, batch.Users, batch).squeeze(1);
        Tensor itemBias = Lookup(_itemBias, batch.Items, batch).squeeze(1);
        Tensor prediction = (users * items).sum(1) + userBias + itemBias + _globalBias;
        Tensor error = nn.functional.mse_loss(prediction, ratings);
        Tensor penalty = SquaredNorm(users) + SquaredNorm(items) + SquaredNorm(userBias) + SquaredNorm(itemBias);
        return error + penalty * (_regularization / batch.Users.shape[0]);
    }

    /// <summary>
    /// User rows are [factors, 1, user bias + global bias] and item rows [factors, item bias, 1], so
    /// the dot product is the predicted rating itself (and orders each user's items the same way).
    /// </summary>
    protected override (Tensor Users, Tensor Items) BuildScoringFactors()
    {
        Tensor userWeights = _userFactors.weight!;
        Tensor itemWeights = _itemFactors.weight!;
        Tensor users = torch.cat([userWeights, OnesColumn(userWeights), _userBias.weight! + _globalBias], 1);
        Tensor items = torch.cat([itemWeights, _itemBias.weight!, OnesColumn(itemWeights)], 1);
        return (users, items);
    }
}
