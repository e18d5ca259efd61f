namespace Recommender.Core.Models;

/// <summary>Which feedback the model kinds train on: the one rule the CLI, the HTTP API and the trainer each check before training.</summary>
public static class ModelKindFeedback
{
    /// <summary>
    /// True when a model of <paramref name="kind"/> cannot train on feedback that is explicit or not
    /// (<paramref name="isExplicit"/>): matrix factorization fits ratings, and implicit feedback has none. Every other
    /// concrete kind trains on implicit feedback; <see cref="ModelKind.Auto"/> resolves to one that fits.
    /// </summary>
    public static bool CannotTrainOn(ModelKind kind, bool isExplicit) => kind == ModelKind.MatrixFactorization && !isExplicit;

    /// <summary>
    /// True when a model of <paramref name="kind"/> reads each interaction's strength, from √weight: EASE (its X),
    /// iALS (its observed terms) and softmax (its cross-entropy terms) on implicit feedback. Explicit ratings can be
    /// zero or negative, so there they are not strengths (matrix factorization reads them as the ratings it
    /// predicts); BPR weighs every pair alike.
    /// </summary>
    public static bool ReadsStrengths(ModelKind kind, bool isExplicit) => !isExplicit && kind is ModelKind.Ease or ModelKind.Ials or ModelKind.Softmax;
}
