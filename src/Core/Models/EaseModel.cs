using TorchSharp;
using static TorchSharp.torch;

namespace Recommender.Core.Models;

/// <summary>
/// EASE (Steck, "Embarrassingly Shallow Autoencoders for Sparse Data", 2019): a linear item-to-item model
/// B with a zero diagonal, fitted in closed form to reconstruct each user's interaction row, X ≈ X·B, with
/// an L2 penalty λ. On implicit feedback X[u,i] is the pair's strength, √(weight / mean weight): 1 where every
/// weight is the same (the paper's binary X, whatever the scale of the values, so λ keeps its meaning); with
/// ratings, event weights or summed repeats a stronger interaction counts more, and the root keeps one heavily
/// repeated item from outweighing the rest of the user's row. Measured (<c>recommender-bench quality</c> and the
/// demo), the root beat both the binary X and the raw weight. Explicit ratings can be zero or negative: there X
/// is binary.
/// With P = (XᵀX + λI)⁻¹ the solution is B = I − P·diag(1/diag(P)), that is B[i,j] = −P[i,j] / P[j,j] off
/// the diagonal. A user's score for item j is Σᵢ X[u,i]·B[i,j], so in the scoring layout the user rows are
/// the interaction rows and the item rows are B's columns: the dimension is the catalog size. Both are
/// buffers, not parameters: nothing is trained by gradient. Memory is I² for B (and, with at least as many
/// users as items, the Gram matrix while fitting) plus U·I for the interaction rows, which is why the
/// trainer caps the catalog (<c>TrainingOptions.EaseMaxItems</c>).
/// </summary>
internal sealed class EaseModel : EmbeddingModel, IClosedFormModel
{
    /// <summary>State-dict name of the interaction rows (one row per user, one column per item).</summary>
    public const string UserHistoryName = "user_history";

    /// <summary>State-dict name of the item-to-item weights B.</summary>
    public const string ItemWeightsName = "item_weights";

    /// <summary>Users whose reconstruction error the objective reports: enough to follow, cheap next to the fit.</summary>
    private const int ObjectiveUsers = 256;

    private readonly double _firstRegularization;
    private readonly bool _weighsInteractions;
    private Tensor? _gram;
    private Tensor? _itemsByUser;

    /// <summary>
    /// Creates the model with empty buffers; epoch e fits λ = <paramref name="firstRegularization"/>·2^(e−1).
    /// <paramref name="weighsInteractions"/> (implicit feedback) makes X the interactions' strengths, else binary.
    /// </summary>
    public EaseModel(int userCount, int itemCount, double firstRegularization, bool weighsInteractions = false)
        : base(nameof(EaseModel), userCount, itemCount, itemCount)
    {
        _firstRegularization = firstRegularization;
        _weighsInteractions = weighsInteractions;
        register_buffer(UserHistoryName, torch.zeros(userCount, itemCount));
        register_buffer(ItemWeightsName, torch.zeros(itemCount, itemCount));
    }

    /// <inheritdoc />
    public override ModelKind Kind => ModelKind.Ease;

    /// <inheritdoc />
    public override bool UsesInteractionWeights => _weighsInteractions;

    /// <summary>λ of the fit of <paramref name="epoch"/>: each epoch doubles the first one's, so the epochs walk a grid validation picks from.</summary>
    public static double RegularizationOfEpoch(double first, int epoch) => first * Math.Pow(2, epoch - 1);

    private Tensor UserHistory => get_buffer(UserHistoryName)!;

    private Tensor ItemWeights => get_buffer(ItemWeightsName)!;

    /// <inheritdoc />
    public override void InitializeParameters(Generator generator, double standardDeviation)
    {
        using var noGrad = torch.no_grad();
        UserHistory.zero_();
        ItemWeights.zero_();
    }

    /// <inheritdoc />
    public override Tensor ComputeLoss(TrainingBatch batch) =>
        throw new NotSupportedException("EASE is fitted in closed form, not by mini-batch gradient steps.");

    /// <summary>Fits this epoch's λ on the grid (validation picks the best epoch).</summary>
    public double FitEpoch(int epoch, Tensor users, Tensor items, Tensor? weights) =>
        Fit(users, items, weights, RegularizationOfEpoch(_firstRegularization, epoch), ObjectiveUsers);

    /// <summary>
    /// Sets the interaction rows from the training pairs (each √(weight / mean weight); 1 when
    /// <paramref name="weights"/> is null) and solves B for <paramref name="regularization"/>; returns the
    /// objective (squared reconstruction error plus λ‖B‖², per user) on up to <paramref name="objectiveUsers"/>
    /// users. The interaction rows and the Gram matrix of the cheaper form are kept for the next λ.
    /// </summary>
    /// <remarks>
    /// With fewer users than items the item-by-item inverse is never formed: by the Woodbury identity
    /// P = (XᵀX + λI)⁻¹ = (I − Xᵀ(XXᵀ + λI)⁻¹X)/λ, so with M = (XXᵀ + λI)⁻¹X (a users-by-users solve, in
    /// double precision) and Q = XᵀM, B[i,j] = Q[i,j] / (1 − Q[j,j]) off the diagonal. That costs about U·I²
    /// instead of I³: a catalog ten times larger than the user base fits in a second or two, not minutes.
    /// </remarks>
    public double Fit(Tensor users, Tensor items, Tensor? weights, double regularization, int objectiveUsers)
    {
        ArgumentNullException.ThrowIfNull(users);
        ArgumentNullException.ThrowIfNull(items);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(regularization);
        using var noGrad = torch.no_grad();
        Tensor history = UserHistory;
        bool dual = UserCount < ItemCount;
        if (_gram is null)
        {
            history.zero_();
            using (Tensor strengths = Strengths(weights, users.shape[0], history))
            {
                // Repeated pairs were combined by preprocessing; put keeps one value of any leftover duplicate.
                history.index_put_(strengths, users, items);
            }

            _itemsByUser = SparseTranspose(users, items);
            _gram = dual ? _itemsByUser.t().mm(history.t()).to(ScalarType.Float64) : history.t().mm(history);
        }

        using var scope = torch.NewDisposeScope();
        double squaredNorm = dual ? FitDual(regularization) : FitPrimal(regularization);
        long rows = Math.Min(objectiveUsers, UserCount);
        Tensor sample = history.narrow(0, 0, rows);
        Tensor reconstructed = torch.sparse_coo_tensor(sample.nonzero().t(), sample.masked_select(sample.ne(0)), [rows, ItemCount]).mm(ItemWeights);
        double reconstruction = sample.sub(reconstructed).square().sum().item<float>();
        return reconstruction / rows + regularization * squaredNorm / UserCount;
    }

    /// <summary>Each pair's entry of X: its strength (<see cref="InteractionStrengths"/>), or 1 for every pair without weights.</summary>
    private static Tensor Strengths(Tensor? weights, long pairs, Tensor history) => weights is null
        ? torch.ones(pairs, dtype: history.dtype, device: history.device)
        : InteractionStrengths.Of(weights, history.dtype, history.device);

    /// <summary>
    /// Xᵀ as a sparse [items, users] matrix, one entry per distinct pair (sorted, so already coalesced) with the
    /// interaction row's value: products with X cost pairs × columns.
    /// </summary>
    private Tensor SparseTranspose(Tensor users, Tensor items)
    {
        using var scope = torch.NewDisposeScope();
        Tensor keys = torch.unique(items.mul(UserCount).add_(users), sorted: true).Item1;
        Tensor itemIndices = keys.div(UserCount, rounding_mode: RoundingMode.floor);
        Tensor userIndices = keys.remainder(UserCount);
        Tensor values = UserHistory.index([userIndices, itemIndices]);
        return torch.sparse_coo_tensor(torch.stack([itemIndices, userIndices]), values, [ItemCount, UserCount]).MoveToOuterDisposeScope();
    }

    /// <summary>B from the item-by-item inverse, B[i,j] = −P[i,j] / P[j,j], written into B's buffer; returns ‖B‖².</summary>
    private double FitPrimal(double regularization)
    {
        Tensor regularized = _gram!.clone();
        regularized.diagonal().add_(regularization);
        Tensor inverse = torch.linalg.inv(regularized);
        Tensor weights = ItemWeights.copy_(inverse.div_(inverse.diagonal().neg().unsqueeze(0)));
        weights.diagonal().zero_();

        // Summed in double a block of rows at a time: a float sum of catalog² terms drifts.
        const long RowsPerBlock = 1024;
        double squaredNorm = 0;
        for (long row = 0; row < ItemCount; row += RowsPerBlock)
        {
            using var block = weights.narrow(0, row, Math.Min(RowsPerBlock, ItemCount - row)).square();
            squaredNorm += block.sum(ScalarType.Float64).item<double>();
        }

        return squaredNorm;
    }

    /// <summary>
    /// B through the users-by-users system (see <see cref="Fit"/>'s remarks), written into B's buffer;
    /// returns ‖B‖². Mᵀ = Xᵀ(XXᵀ + λI)⁻¹ and Q = XᵀM are sparse-by-dense products, so nothing of size
    /// catalog² is computed or allocated but Q itself, in place.
    /// </summary>
    /// <remarks>
    /// ‖B‖² comes from vectors, not from B: with A = (XXᵀ + λI)⁻¹, XXᵀ = A⁻¹ − λI gives Q² = Q − λXᵀA²X, so
    /// column j of Q has squared norm Q[j,j] − λ‖Mᵀ[j]‖², and B's column j (Q's over 1 − Q[j,j], diagonal
    /// dropped) has (Q[j,j] − Q[j,j]² − λ‖Mᵀ[j]‖²) / (1 − Q[j,j])².
    /// </remarks>
    private double FitDual(double regularization)
    {
        Tensor regularized = _gram!.clone();
        regularized.diagonal().add_(regularization);
        Tensor inverse = torch.cholesky_inverse(torch.linalg.cholesky(regularized)).to(ItemWeights.dtype);
        Tensor solvedTransposed = _itemsByUser!.mm(inverse);
        Tensor projection = ItemWeights.addmm_(_itemsByUser, solvedTransposed.t().contiguous(), beta: 0, alpha: 1);
        Tensor diagonal = projection.diagonal().to(ScalarType.Float64);
        Tensor remainder = diagonal.neg().add_(1);
        projection.div_(remainder.to(projection.dtype).unsqueeze(0));
        projection.diagonal().zero_();

        Tensor solvedNorms = solvedTransposed.square().sum(1, type: ScalarType.Float64);
        Tensor columnNorms = diagonal.sub(diagonal.square()).sub_(solvedNorms.mul_(regularization)).div_(remainder.square());
        return columnNorms.sum().item<double>();
    }

    /// <summary>User rows are the interaction rows; item j's row is column j of B.</summary>
    protected override (Tensor Users, Tensor Items) BuildScoringFactors() => (UserHistory, ItemWeights.t());

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _gram?.Dispose();
            _itemsByUser?.Dispose();
            _gram = null;
            _itemsByUser = null;
        }

        base.Dispose(disposing);
    }
}
