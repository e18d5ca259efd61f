namespace Recommender.Core.Models;

/// <summary>Which embedding model to train.</summary>
public enum ModelKind
{
    /// <summary>
    /// Chosen from the data: <see cref="MatrixFactorization"/> for explicit ratings,
    /// <see cref="Softmax"/> for implicit feedback.
    /// </summary>
    Auto = 0,

    /// <summary>Biased matrix factorization on explicit ratings, trained with MSE and L2 regularization.</summary>
    MatrixFactorization = 1,

    /// <summary>Bayesian personalized ranking on implicit feedback with uniformly sampled negatives.</summary>
    Bpr = 2,

    /// <summary>
    /// Softmax over the catalog on implicit feedback: full cross-entropy while the catalog is small
    /// enough, sampled softmax with a logQ correction beyond that.
    /// </summary>
    Softmax = 3,

    /// <summary>
    /// EASE: a closed-form linear item-to-item model (Steck 2019) on implicit feedback, for catalogs small
    /// enough that an item-by-item matrix fits in memory. Its regularization is chosen on validation.
    /// </summary>
    Ease = 4,

    /// <summary>
    /// Implicit alternating least squares (Rendle et al. 2022) on implicit feedback: user and item factors
    /// solved in turn (conjugate-gradient steps towards each side's exact solution), every unobserved pair
    /// weighted α₀, frequency-scaled regularization. Scales to any catalog; an epoch is one sweep.
    /// </summary>
    Ials = 5,

    /// <summary>
    /// A weighted blend of trained models of the other implicit kinds, each user's scores from each part put on one
    /// scale. Only the automatic choice builds one, from its candidates, when the blend beats every single
    /// candidate on validation by more than the noise; it cannot be asked for on its own.
    /// </summary>
    Blend = 6,
}
