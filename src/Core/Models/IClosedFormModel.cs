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
    double FitEpoch(int epoch, Tensor users, Tensor items);
}
