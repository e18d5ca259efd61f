using Recommender.Core.Datasets;
using Recommender.Core.Models;

namespace Recommender.Core.Evaluation;

/// <summary>Checks shared by the training validators.</summary>
internal static class ValidatorGuards
{
    /// <summary>Fails loudly when the factors do not fit the dataset or hold NaN/infinite values.</summary>
    public static void RequireMatchingFactors(FactorSnapshot factors, CuratedDataset dataset)
    {
        ArgumentNullException.ThrowIfNull(factors);
        if (factors.UserCount != dataset.UserCount || factors.ItemCount != dataset.ItemCount)
        {
            throw new ArgumentException(
                $"Factors cover {factors.UserCount} users and {factors.ItemCount} items but dataset {dataset.Version} has {dataset.UserCount} and {dataset.ItemCount}.",
                nameof(factors));
        }

        if (!AllFinite(factors.UserFactors) || !AllFinite(factors.ItemFactors))
        {
            throw new ArgumentException(
                $"Factors for dataset {dataset.Version} contain NaN or infinite values; training has diverged.",
                nameof(factors));
        }
    }

    private static bool AllFinite(float[] values)
    {
        foreach (float value in values)
        {
            if (!float.IsFinite(value))
            {
                return false;
            }
        }

        return true;
    }
}
