using Recommender.Core.Training;

namespace Recommender.Core.Models;

/// <summary>What fixes a model's parameter shapes: its kind, the vocabulary sizes and the embedding dimension.</summary>
/// <param name="Kind">A concrete kind (not <see cref="ModelKind.Auto"/>).</param>
/// <param name="UserCount">Rows of the user tables.</param>
/// <param name="ItemCount">Rows of the item tables.</param>
/// <param name="Dimension">Embedding dimension (for EASE, the catalog size: its rows are interaction rows and B's columns).</param>
internal sealed record ModelShape(ModelKind Kind, int UserCount, int ItemCount, int Dimension)
{
    /// <summary>Largest embedding dimension a run trains and a stored model or scoring bundle may declare.</summary>
    public const int MaxEmbeddingDimension = 4096;

    /// <summary>
    /// Largest catalog EASE fits: the largest whose item × item table fits one array (the factor snapshot
    /// holds B as one <c>float[]</c>). Its "dimension" is the catalog size, so this also bounds its scoring rows.
    /// </summary>
    public const int MaxEaseItems = 46_340;

    /// <summary>
    /// True when <paramref name="dimension"/> can be the width of the scoring rows of a model over
    /// <paramref name="itemCount"/> items: an embedding dimension, or the catalog size itself (EASE's layout).
    /// </summary>
    public static bool IsScoringDimension(int dimension, int itemCount) =>
        dimension is >= 1 and <= MaxEmbeddingDimension || (dimension == itemCount && itemCount <= MaxEaseItems) || IsBlendDimension(dimension, itemCount);

    /// <summary>
    /// True when a blend with EASE among its parts may have <paramref name="dimension"/> columns: the catalog size plus
    /// up to <see cref="MaxBlendedEmbeddings"/> embedding models' dimensions, its item rows in one array.
    /// </summary>
    public static bool IsBlendDimension(int dimension, int itemCount) =>
        itemCount <= MaxEaseItems && dimension > itemCount && dimension <= itemCount + ((long)MaxBlendedEmbeddings * (MaxEmbeddingDimension + 2))
        && (long)itemCount * dimension <= Array.MaxLength;

    /// <summary>
    /// Columns of the scoring rows (<see cref="FactorSnapshot.Dimension"/>) of a model of this shape: the embedding
    /// with its biases folded in (matrix factorization two more, BPR and softmax one), EASE's catalog, a blend's own.
    /// </summary>
    public int ScoringWidth => Kind switch
    {
        ModelKind.MatrixFactorization => Dimension + 2,
        ModelKind.Bpr or ModelKind.Softmax => Dimension + 1,
        _ => Dimension,
    };

    /// <summary>The scoring width (<see cref="ScoringWidth"/>) of a model of <paramref name="options"/>' kind and dimension over <paramref name="itemCount"/> items.</summary>
    public static int ScoringWidthOf(TrainingOptions options, int itemCount) =>
        Of(options.Kind, 1, itemCount, options.Dimension).ScoringWidth;

    /// <summary>Most embedding models a blend holds besides EASE.</summary>
    public const int MaxBlendedEmbeddings = 4;

    /// <summary>
    /// The shape a run of <paramref name="kind"/> trains: EASE's dimension is the catalog size whatever the options say,
    /// and a blend's is its parts' summed (<see cref="BlendFactors.DimensionOf"/>, passed as <paramref name="dimension"/>).
    /// </summary>
    public static ModelShape Of(ModelKind kind, int userCount, int itemCount, int dimension) =>
        new(kind, userCount, itemCount, kind == ModelKind.Ease ? itemCount : dimension);
}

/// <summary>Settings of a model's loss; they do not change its parameters, so scoring can use any valid values.</summary>
/// <param name="Regularization">L2 weight on the rows of each batch.</param>
/// <param name="Negatives">BPR negatives per positive.</param>
/// <param name="FullSoftmaxMaxItems">Largest catalog trained with the exact softmax.</param>
/// <param name="SampledNegatives">Negatives per batch of the sampled softmax.</param>
/// <param name="InitialGlobalBias">Starting global bias of matrix factorization (the mean rating).</param>
/// <param name="UnobservedWeight">iALS's weight α₀ of every unobserved pair.</param>
/// <param name="WeighsImplicitInteractions">
/// True where the kind reads interaction strengths (<see cref="ModelKindFeedback.ReadsStrengths"/>): EASE, iALS and
/// softmax on implicit feedback.
/// </param>
internal sealed record ModelLossSettings(double Regularization, int Negatives, int FullSoftmaxMaxItems, int SampledNegatives, float InitialGlobalBias, double UnobservedWeight = 0, bool WeighsImplicitInteractions = false)
{
    /// <summary>Settings for a model that is only loaded and scored, never trained.</summary>
    public static ModelLossSettings ForScoring { get; } = new(0.0, 1, int.MaxValue, 1, 0f);
}

/// <summary>Creates the embedding model of a given kind.</summary>
internal static class ModelFactory
{
    /// <summary>
    /// Creates an uninitialized model (call <see cref="EmbeddingModel.InitializeParameters"/> or load a
    /// checkpoint). <paramref name="sampler"/> serves the sampled softmax and may be null otherwise.
    /// </summary>
    public static EmbeddingModel Create(ModelShape shape, ModelLossSettings loss, ItemSampler? sampler = null)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(loss);
        return shape.Kind switch
        {
            ModelKind.MatrixFactorization => new MatrixFactorizationModel(shape.UserCount, shape.ItemCount, shape.Dimension, loss.Regularization, loss.InitialGlobalBias),
            ModelKind.Bpr => new BprModel(shape.UserCount, shape.ItemCount, shape.Dimension, loss.Regularization, loss.Negatives),
            ModelKind.Softmax => new SoftmaxModel(shape.UserCount, shape.ItemCount, shape.Dimension, loss.Regularization, loss.FullSoftmaxMaxItems, loss.SampledNegatives, sampler, loss.WeighsImplicitInteractions),
            ModelKind.Ease => new EaseModel(shape.UserCount, shape.ItemCount, loss.Regularization, loss.WeighsImplicitInteractions),
            ModelKind.Ials => new IalsModel(shape.UserCount, shape.ItemCount, shape.Dimension, loss.Regularization, loss.UnobservedWeight, loss.WeighsImplicitInteractions),
            ModelKind.Blend => new BlendModel(shape.UserCount, shape.ItemCount, shape.Dimension),
            _ => throw new ArgumentOutOfRangeException(nameof(shape), shape.Kind, "A concrete model kind is needed; resolve Auto from the data first."),
        };
    }

    /// <summary>
    /// The tensors a model of this shape has, computed without allocating it, so a stored description
    /// can be checked against the size of a checkpoint before anything is loaded.
    /// </summary>
    public static IReadOnlyList<TensorShape> ExpectedParameters(ModelShape shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        const string Float32 = "Float32";
        var users = new TensorShape("user_factors.weight", Float32, [shape.UserCount, shape.Dimension]);
        var items = new TensorShape("item_factors.weight", Float32, [shape.ItemCount, shape.Dimension]);
        var itemBias = new TensorShape("item_bias.weight", Float32, [shape.ItemCount, 1]);
        return shape.Kind switch
        {
            ModelKind.MatrixFactorization =>
            [
                users,
                items,
                new TensorShape("user_bias.weight", Float32, [shape.UserCount, 1]),
                itemBias,
                new TensorShape("global_bias", Float32, [1]),
            ],
            ModelKind.Bpr or ModelKind.Softmax => [users, items, itemBias],
            ModelKind.Ials =>
            [
                new TensorShape(IalsModel.UserFactorsName, Float32, [shape.UserCount, shape.Dimension]),
                new TensorShape(IalsModel.ItemFactorsName, Float32, [shape.ItemCount, shape.Dimension]),
            ],
            ModelKind.Blend =>
            [
                new TensorShape(BlendModel.UserFactorsName, Float32, [shape.UserCount, shape.Dimension]),
                new TensorShape(BlendModel.ItemFactorsName, Float32, [shape.ItemCount, shape.Dimension]),
            ],
            ModelKind.Ease =>
            [
                new TensorShape(EaseModel.UserHistoryName, Float32, [shape.UserCount, shape.ItemCount]),
                new TensorShape(EaseModel.ItemWeightsName, Float32, [shape.ItemCount, shape.ItemCount]),
            ],
            _ => throw new ArgumentOutOfRangeException(nameof(shape), shape.Kind, "A concrete model kind is needed."),
        };
    }

    /// <summary>The kind <see cref="ModelKind.Auto"/> stands for on data that is explicit or not.</summary>
    public static ModelKind Resolve(ModelKind kind, bool isExplicit) =>
        kind != ModelKind.Auto ? kind : isExplicit ? ModelKind.MatrixFactorization : ModelKind.Softmax;
}
