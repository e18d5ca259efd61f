using Recommender.Core.Datasets;

namespace Recommender.Core.Evaluation;

/// <summary>
/// The rating baseline a matrix factorization model must beat on explicit data, as popularity is for
/// rankings: every rating predicted as its item's mean training rating (the global mean for items
/// without one). It knows which items are liked, but nothing about the user.
/// </summary>
public static class ItemMeanRatingBaseline
{
    /// <summary>RMSE and MAE of the item means of <paramref name="dataset"/>'s training ratings on its validation ratings.</summary>
    public static RatingMetrics Evaluate(CuratedDataset dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        InteractionTable train = dataset.Train;
        var sums = new double[dataset.ItemCount];
        var counts = new int[dataset.ItemCount];
        double total = 0;
        for (int row = 0; row < train.Count; row++)
        {
            sums[train.Items[row]] += train.Weights[row];
            counts[train.Items[row]]++;
            total += train.Weights[row];
        }

        float globalMean = train.Count == 0 ? 0f : (float)(total / train.Count);
        InteractionTable validation = dataset.Validation;
        var predicted = new float[validation.Count];
        for (int row = 0; row < validation.Count; row++)
        {
            int item = validation.Items[row];
            predicted[row] = counts[item] == 0 ? globalMean : (float)(sums[item] / counts[item]);
        }

        return RatingEvaluator.Evaluate(validation.Weights, predicted);
    }
}
