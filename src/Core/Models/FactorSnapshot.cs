namespace Recommender.Core.Models;

/// <summary>
/// What scoring needs from a trained model: one row per user and one per item, such that
/// the dot product of a user row and an item row orders that user's items. Item biases are
/// folded in as an extra column (user side 1, item side the bias), so scoring is one matrix product.
/// </summary>
/// <param name="UserFactors">Row-major [UserCount, Dimension].</param>
/// <param name="ItemFactors">Row-major [ItemCount, Dimension].</param>
/// <param name="UserCount">Number of users.</param>
/// <param name="ItemCount">Number of items.</param>
/// <param name="Dimension">Columns per row.</param>
public sealed record FactorSnapshot(float[] UserFactors, float[] ItemFactors, int UserCount, int ItemCount, int Dimension);
