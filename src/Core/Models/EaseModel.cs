using TorchSharp;
using static TorchSharp.torch;

namespace Recommender.Core.Models;

/// <summary>
/// EASE (Steck, "Embarrassingly Shallow Autoencoders for Sparse Data", 2019): a linear item-to-item model
/// B with a zero diagonal, fitted in closed form to reconstruct each user's interaction row, X ≈ X·B, with
/// an L2 penalty λ. With P = (XᵀX + λI)⁻¹ the solution is B = I − P·diag(1/diag(P)), that is
/// B[i,j] = −P[i,j] / P[j,j] off the diagonal. A user's score for item j is Σᵢ X[u,i]·B[i,j], so in the
/// scoring layout the user rows are the interaction rows and the item rows are B's columns: the
/// dimension is the catalog size. Both are buffers, not parameters: nothing is trained by gradient.
/// Memory is I² for B (and, with at least as many users as items, the Gram matrix while fitting) plus U·I
/// for the interaction rows, which is why the trainer caps the catalog (<c>TrainingOptions.EaseMaxItems</c>).
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
    private Tensor? _gram;

    /// <summary>Creates the model with empty buffers; epoch e fits λ = <paramref name="firstRegularization"/>·2^(e−1).</summary>
    public EaseModel(int userCount, int itemCount, double firstRegularization)
        : base(nameof(EaseModel), userCount, itemCount, itemCount)
    {
        _firstRegularization = firstRegularization;
        register_buffer(UserHistoryName, torch.zeros(userCount, itemCount));
        register_buffer(ItemWeightsName, torch.zeros(itemCount, itemCount));
    }

    /// <inheritdoc />
    public override ModelKind Kind => ModelKind.Ease;

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
    public double FitEpoch(int epoch, Tensor users, Tensor items) =>
        Fit(users, items, RegularizationOfEpoch(_firstRegularization, epoch), ObjectiveUsers);

    /// <summary>
    /// Sets the interaction rows from the training pairs and solves B for <paramref name="regularization"/>;
    /// returns the objective (squared reconstruction error plus λ‖B‖², per user) on up to
    /// <paramref name="objectiveUsers"/> users. The Gram matrix of the cheaper form is kept for the next λ.
    /// </summary>
    /// <remarks>
    /// With fewer users than items the item-by-item inverse is never formed: by the Woodbury identity
    /// P = (XᵀX + λI)⁻¹ = (I − Xᵀ(XXᵀ + λI)⁻¹X)/λ, so with M = (XXᵀ + λI)⁻¹X (a users-by-users solve, in
    /// double precision) and Q = XᵀM, B[i,j] = Q[i,j] / (1 − Q[j,j]) off the diagonal. That costs about U·I²
    /// instead of I³: a catalog ten times larger than the user base fits in a second or two, not minutes.
    /// </remarks>
    public double Fit(Tensor users, Tensor items, double regularization, int objectiveUsers)
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
            using (Tensor ones = torch.ones(users.shape[0], dtype: history.dtype, device: history.device))
            {
                // Repeated pairs were combined by preprocessing; put keeps any leftover duplicate at 1.
                history.index_put_(ones, users, items);
            }

            _gram = dual ? history.to(ScalarType.Float64).mm(history.t().to(ScalarType.Float64)) : history.t().mm(history);
        }

        using var scope = torch.NewDisposeScope();
        Tensor weights = dual ? DualWeights(history, regularization) : PrimalWeights(regularization);
        weights.diagonal().zero_();
        ItemWeights.copy_(weights);

        long rows = Math.Min(objectiveUsers, UserCount);
        Tensor sample = history.narrow(0, 0, rows);
        double reconstruction = (sample - sample.mm(weights)).square().sum().item<float>();
        double penalty = regularization * weights.square().sum().item<float>();
        return reconstruction / rows + penalty / UserCount;
    }

    /// <summary>B from the item-by-item inverse: B[i,j] = −P[i,j] / P[j,j].</summary>
    private Tensor PrimalWeights(double regularization)
    {
        Tensor regularized = _gram!.clone();
        regularized.diagonal().add_(regularization);
        Tensor inverse = torch.linalg.inv(regularized);
        return inverse.div_(inverse.diagonal().neg().unsqueeze(0));
    }

    /// <summary>B through the users-by-users system (see <see cref="Fit"/>'s remarks).</summary>
    private Tensor DualWeights(Tensor history, double regularization)
    {
        Tensor regularized = _gram!.clone();
        regularized.diagonal().add_(regularization);
        Tensor factor = torch.linalg.cholesky(regularized);
        Tensor solved = torch.cholesky_solve(history.to(ScalarType.Float64), factor).to(history.dtype);
        Tensor projection = history.t().mm(solved);
        Tensor denominator = projection.diagonal().neg().add_(1).unsqueeze(0);
        return projection.div_(denominator);
    }

    /// <summary>User rows are the interaction rows; item j's row is column j of B.</summary>
    protected override (Tensor Users, Tensor Items) BuildScoringFactors() => (UserHistory, ItemWeights.t());

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _gram?.Dispose();
            _gram = null;
        }

        base.Dispose(disposing);
    }
}
