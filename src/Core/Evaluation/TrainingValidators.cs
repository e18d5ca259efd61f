using Recommender.Core.Datasets;
using Recommender.Core.Models;
using Recommender.Core.Training;

namespace Recommender.Core.Evaluation;

/// <summary>Which validator drives early stopping: the one that measures what the model is trained to do.</summary>
public static class TrainingValidators
{
    /// <summary>
    /// RMSE (<see cref="RatingValidator"/>) for matrix factorization, which predicts ratings; NDCG@K
    /// (<see cref="RankingValidator"/>) for the ranking models, BPR and softmax, on explicit data as well
    /// (their scores are not ratings, so their RMSE says nothing).
    /// </summary>
    public static ITrainingValidator For(CuratedDataset dataset, ModelKind kind, int k)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        return ModelFactory.Resolve(kind, dataset.IsExplicit) == ModelKind.MatrixFactorization
            ? new RatingValidator(dataset)
            : new RankingValidator(dataset, k);
    }
}
