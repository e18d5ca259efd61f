using static TorchSharp.torch;

namespace Recommender.Core.Models;

/// <summary>
/// One mini-batch on the training device: dense user and item indices (int64), the rating of each
/// pair for explicit models (otherwise empty), the generator that negative sampling draws from, and,
/// when the optimizer updates rows lazily, the registry the loss gathers its embedding rows into
/// (without it rows are looked up through ordinary autograd and tables get dense gradients).
/// </summary>
internal readonly record struct TrainingBatch(Tensor Users, Tensor Items, Tensor? Ratings, Generator Generator, GatheredRows? Rows = null);
