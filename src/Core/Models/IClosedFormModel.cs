using static TorchSharp.torch;

namespace Recommender.Core.Models;

/// <summary>
/// A model fitted by exact solves rather than gradient steps: each epoch is one closed-form fit over all
/// training pairs, so the trainer's loop, checkpoints, validation and early stopping apply unchanged.
/// </summary>
internal interface IClosedFormModel
{
    /// <summary>
    /// Fits epoch <paramref name="epoch"/> (1-based) on the training pairs (int64 user and item indices on the
    /// model's device) and returns its objective, for the training log.
    /// </summary>
    /// <param name="epoch">The epoch, from 1.</param>
    /// <param name="users">User index of each pair.</param>
    /// <param name="items">Item index of each pair.</param>
    /// <param name="weights">
    /// Each pair's weight (float, same device), given when the model reads them
    /// (<see cref="EmbeddingModel.UsesInteractionWeights"/>); null otherwise.
    /// </param>
    double FitEpoch(int epoch, Tensor users, Tensor items, Tensor? weights);
}
