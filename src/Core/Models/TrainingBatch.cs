using static TorchSharp.torch;

namespace Recommender.Core.Models;

/// <summary>
/// One mini-batch on the training device: dense user and item indices (int64), the rating of each
/// pair for explicit models (otherwise empty), and the generator that negative sampling draws from.
/// </summary>
internal readonly record struct TrainingBatch(Tensor Users, Tensor Items, Tensor? Ratings, Generator Generator);
