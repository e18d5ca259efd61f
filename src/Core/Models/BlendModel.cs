using TorchSharp;
using static TorchSharp.torch;

namespace Recommender.Core.Models;

/// <summary>
/// A weighted blend of other models' scores: for user u and item i, Σₖ wₖ·sₖ(u,i)/σₖ(u), where sₖ is part k's
/// score and σₖ(u) the standard deviation of user u's scores from part k over the whole catalog. Dividing by
/// σₖ(u) puts the parts on one scale per user (EASE's scores and an embedding model's logits differ by orders
/// of magnitude), and the weights say how much each part counts. In the scoring layout this is exact and
/// stays one matrix product: the user rows are the parts' user rows, each scaled by wₖ/σₖ(u), side by side,
/// and the item rows the parts' item rows side by side, so the dimension is the sum of the parts' dimensions.
/// The parts are trained runs of their own; the "fit" combines their factors (<see cref="BlendFactors"/>).
/// </summary>
internal sealed class BlendModel : EmbeddingModel, IClosedFormModel
{
    /// <summary>State-dict name of the scaled user rows of every part, side by side.</summary>
    public const string UserFactorsName = "user_factors";

    /// <summary>State-dict name of the item rows of every part, side by side.</summary>
    public const string ItemFactorsName = "item_factors";

    /// <summary>Creates the model with empty buffers of <paramref name="dimension"/> columns (the parts' dimensions summed).</summary>
    public BlendModel(int userCount, int itemCount, int dimension)
        : base(nameof(BlendModel), userCount, itemCount, dimension)
    {
        register_buffer(UserFactorsName, torch.zeros(userCount, dimension));
        register_buffer(ItemFactorsName, torch.zeros(itemCount, dimension));
    }

    /// <inheritdoc />
    public override ModelKind Kind => ModelKind.Blend;

    /// <summary>The parts' factors and weights the next fit combines; set by the trainer once the parts are trained.</summary>
    public (IReadOnlyList<FactorSnapshot> Parts, IReadOnlyList<double> Weights)? Inputs { get; set; }

    private Tensor UserFactors => get_buffer(UserFactorsName)!;

    private Tensor ItemFactors => get_buffer(ItemFactorsName)!;

    /// <inheritdoc />
    public override void InitializeParameters(Generator generator, double standardDeviation)
    {
        using var noGrad = torch.no_grad();
        UserFactors.zero_();
        ItemFactors.zero_();
    }

    /// <inheritdoc />
    public override Tensor ComputeLoss(TrainingBatch batch) =>
        throw new NotSupportedException("A blend combines trained models' scores; it has no loss of its own.");

    /// <summary>Combines the parts set in <see cref="Inputs"/> into the buffers; the "objective" is 0 (the pairs are not read).</summary>
    public double FitEpoch(int epoch, Tensor users, Tensor items, Tensor? weights)
    {
        (IReadOnlyList<FactorSnapshot> parts, IReadOnlyList<double> partWeights) = Inputs
            ?? throw new InvalidOperationException("The blend's parts must be trained and set before it is fitted.");
        FactorSnapshot blended = BlendFactors.Combine(parts, partWeights);
        if (blended.UserCount != UserCount || blended.ItemCount != ItemCount || blended.Dimension != Dimension)
        {
            throw new InvalidOperationException($"The parts blend to {blended.UserCount} users × {blended.ItemCount} items × {blended.Dimension} columns, not the model's {UserCount} × {ItemCount} × {Dimension}.");
        }

        using var noGrad = torch.no_grad();
        using (Tensor source = torch.from_array(blended.UserFactors).view(UserCount, Dimension))
        {
            UserFactors.copy_(source);
        }

        using (Tensor source = torch.from_array(blended.ItemFactors).view(ItemCount, Dimension))
        {
            ItemFactors.copy_(source);
        }

        return 0;
    }

    /// <inheritdoc />
    protected override (Tensor Users, Tensor Items) BuildScoringFactors() => (UserFactors, ItemFactors);
}

/// <summary>How a blend's factors are made from its parts' (see <see cref="BlendModel"/>).</summary>
internal static class BlendFactors
{
    /// <summary>Users whose scores are computed at once while measuring each user's spread: bounds memory to this many rows.</summary>
    private const int UsersPerChunk = 2048;

    /// <summary>Spreads below this are rounding error of scores that are all equal.</summary>
    private const double MinimumSpread = 1e-12;

    /// <summary>The blend's dimension: the parts' dimensions summed.</summary>
    public static int DimensionOf(IEnumerable<int> partDimensions) => checked(partDimensions.Sum());

    /// <summary>
    /// The blend of <paramref name="parts"/> (same users and items, in the same order) with
    /// <paramref name="weights"/>: each part's user rows scaled by its weight over the user's score spread, and
    /// every part's rows side by side. A user whose scores from a part are all equal gets nothing from it (the part
    /// cannot order that user's items).
    /// </summary>
    /// <param name="parts">The parts' factors.</param>
    /// <param name="weights">One weight per part.</param>
    /// <param name="spreads">Each part's <see cref="ScoreSpreadByUser"/> when already known (computed otherwise).</param>
    public static FactorSnapshot Combine(IReadOnlyList<FactorSnapshot> parts, IReadOnlyList<double> weights, IReadOnlyList<double[]>? spreads = null)
    {
        ArgumentNullException.ThrowIfNull(parts);
        ArgumentNullException.ThrowIfNull(weights);
        if (parts.Count == 0 || parts.Count != weights.Count)
        {
            throw new ArgumentException($"A blend needs one weight per part; got {parts.Count} parts and {weights.Count} weights.", nameof(weights));
        }

        int userCount = parts[0].UserCount;
        int itemCount = parts[0].ItemCount;
        if (parts.Any(part => part.UserCount != userCount || part.ItemCount != itemCount))
        {
            throw new ArgumentException("The parts of a blend must have the same users and items.", nameof(parts));
        }

        int dimension = DimensionOf(parts.Select(part => part.Dimension));
        float[] users = new float[checked((long)userCount * dimension)];
        float[] items = new float[checked((long)itemCount * dimension)];
        int offset = 0;
        for (int k = 0; k < parts.Count; k++)
        {
            FactorSnapshot part = parts[k];
            double[] spread = spreads?[k] ?? ScoreSpreadByUser(part);
            for (int user = 0; user < userCount; user++)
            {
                float scale = spread[user] > MinimumSpread ? (float)(weights[k] / spread[user]) : 0f;
                ReadOnlySpan<float> source = part.UserFactors.AsSpan(user * part.Dimension, part.Dimension);
                Span<float> target = users.AsSpan((user * dimension) + offset, part.Dimension);
                for (int column = 0; column < source.Length; column++)
                {
                    target[column] = source[column] * scale;
                }
            }

            for (int item = 0; item < itemCount; item++)
            {
                part.ItemFactors.AsSpan(item * part.Dimension, part.Dimension).CopyTo(items.AsSpan((item * dimension) + offset));
            }

            offset += part.Dimension;
        }

        return new FactorSnapshot(users, items, userCount, itemCount, dimension);
    }

    /// <summary>
    /// Each user's standard deviation of scores over the catalog, from second moments rather than the score
    /// matrix: with V the item rows, m their mean and G = VᵀV/I, a user row x has mean score x·m and mean squared
    /// score xᵀGx. Computed in double precision, users in chunks.
    /// </summary>
    internal static double[] ScoreSpreadByUser(FactorSnapshot part)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        Tensor items = torch.from_array(part.ItemFactors).view(part.ItemCount, part.Dimension).to(ScalarType.Float64);
        Tensor gram = items.t().mm(items).div_(part.ItemCount);
        Tensor mean = items.mean([0]);
        Tensor users = torch.from_array(part.UserFactors).view(part.UserCount, part.Dimension);
        var spread = new double[part.UserCount];
        for (int start = 0; start < part.UserCount; start += UsersPerChunk)
        {
            using var chunkScope = torch.NewDisposeScope();
            int length = Math.Min(UsersPerChunk, part.UserCount - start);
            Tensor rows = users.narrow(0, start, length).to(ScalarType.Float64);
            Tensor meanScore = rows.mv(mean);
            Tensor meanSquare = rows.mm(gram).mul_(rows).sum(1);
            Tensor variance = meanSquare.sub_(meanScore.square()).clamp_min_(0);
            Array.Copy(variance.sqrt_().data<double>().ToArray(), 0, spread, start, length);
        }

        return spread;
    }
}
