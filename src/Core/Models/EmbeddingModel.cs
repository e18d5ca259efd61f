using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Recommender.Core.Models;

/// <summary>
/// Base of the embedding models: user and item tables of <see cref="Dimension"/> columns, a loss on a
/// mini-batch, and the export of the trained tables as a <see cref="FactorSnapshot"/> for scoring.
/// Parameter names start with <c>user_</c> or <c>item_</c> when their rows belong to users or items,
/// which is how warm starts map rows between vocabularies.
/// </summary>
internal abstract class EmbeddingModel : nn.Module
{
    /// <summary>Prefix of parameters with one row per user.</summary>
    public const string UserParameterPrefix = "user_";

    /// <summary>Prefix of parameters with one row per item.</summary>
    public const string ItemParameterPrefix = "item_";

    protected EmbeddingModel(string name, int userCount, int itemCount, int dimension)
        : base(name)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(userCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(itemCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        UserCount = userCount;
        ItemCount = itemCount;
        Dimension = dimension;
    }

    /// <summary>The kind of model this is.</summary>
    public abstract ModelKind Kind { get; }

    /// <summary>Number of users (rows of the user tables).</summary>
    public int UserCount { get; }

    /// <summary>Number of items (rows of the item tables).</summary>
    public int ItemCount { get; }

    /// <summary>Embedding dimension.</summary>
    public int Dimension { get; }

    /// <summary>
    /// True when training reads each interaction's weight: matrix factorization's explicit ratings (the batch
    /// carries them as targets), the strengths of implicit interactions for EASE and softmax.
    /// </summary>
    public virtual bool UsesInteractionWeights => false;

    /// <summary>
    /// Sets every parameter to its initial value, drawing random ones from <paramref name="generator"/>
    /// (a CPU generator; call before moving the model to another device).
    /// </summary>
    public abstract void InitializeParameters(Generator generator, double standardDeviation);

    /// <summary>The objective (data loss plus regularization) on one mini-batch.</summary>
    public abstract Tensor ComputeLoss(TrainingBatch batch);

    /// <summary>Copies the tables to CPU memory in the scoring layout of <see cref="FactorSnapshot"/>.</summary>
    public FactorSnapshot ExportFactors()
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        (Tensor users, Tensor items) = BuildScoringFactors();
        int dimension = (int)users.shape[1];
        return new FactorSnapshot(ToArray(users), ToArray(items), UserCount, ItemCount, dimension);
    }

    /// <summary>
    /// The rows of <paramref name="rows"/> as a row-major float array, copied by torch straight into the array
    /// (converting type, device and layout in one pass): EASE's catalog² table would take seconds element by element.
    /// </summary>
    private static float[] ToArray(Tensor rows)
    {
        float[] values = GC.AllocateUninitializedArray<float>(checked((int)rows.numel()));
        using Tensor flat = torch.from_array(values);
        using Tensor target = flat.view(rows.shape);
        target.copy_(rows);
        return values;
    }

    /// <summary>
    /// The user and item rows whose dot product is the model's score, biases folded in as extra columns.
    /// Called without gradients, inside a dispose scope.
    /// </summary>
    protected abstract (Tensor Users, Tensor Items) BuildScoringFactors();

    /// <summary>Names, element types and shapes of the model's state, in state-dict order.</summary>
    public IReadOnlyList<TensorShape> DescribeState() =>
        state_dict().Select(entry => new TensorShape(entry.Key, entry.Value.dtype.ToString(), entry.Value.shape)).ToList();

    /// <summary>Names, element types and shapes of the trainable parameters, in the order optimizers see them.</summary>
    public IReadOnlyList<TensorShape> DescribeParameters() =>
        named_parameters().Select(entry => new TensorShape(entry.name, entry.parameter.dtype.ToString(), entry.parameter.shape)).ToList();

    /// <summary>
    /// Rows <paramref name="indices"/> of <paramref name="table"/> for the loss of <paramref name="batch"/>:
    /// gathered into the batch's <see cref="GatheredRows"/> when it has one, otherwise looked up with
    /// ordinary autograd.
    /// </summary>
    protected static Tensor Lookup(Embedding table, Tensor indices, TrainingBatch batch) =>
        batch.Rows is { } rows ? rows.Take(table, indices) : table.forward(indices);

    /// <summary>Squared L2 norm of a batch of rows, for regularization.</summary>
    protected static Tensor SquaredNorm(Tensor rows) => rows.square().sum();

    /// <summary>Fills an embedding table with N(0, <paramref name="standardDeviation"/>²) from the generator.</summary>
    protected static void InitializeNormal(Embedding table, Generator generator, double standardDeviation)
    {
        // Drawn with torch.randn: nn.init.normal_ does not honour its generator in TorchSharp 0.107.
        using var noGrad = torch.no_grad();
        Tensor weight = table.weight!;
        using Tensor values = torch.randn(weight.shape, dtype: weight.dtype, generator: generator);
        weight.copy_(values.mul_(standardDeviation));
    }

    /// <summary>Sets an embedding table to zeros.</summary>
    protected static void InitializeZeros(Embedding table)
    {
        using var noGrad = torch.no_grad();
        nn.init.zeros_(table.weight!);
    }

    /// <summary>A column of ones with one row per entry, on the same device as <paramref name="like"/>.</summary>
    protected static Tensor OnesColumn(Tensor like) => torch.ones([like.shape[0], 1], dtype: like.dtype, device: like.device);
}
