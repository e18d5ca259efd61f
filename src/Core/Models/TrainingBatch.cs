using static TorchSharp.torch;

namespace Recommender.Core.Models;

/// <summary>
/// One mini-batch on the training device: dense user and item indices (int64), the weight of each pair
/// for models that read it (<see cref="EmbeddingModel.UsesInteractionWeights"/>: the rating matrix factorization
/// predicts, the strength of an implicit interaction for softmax; otherwise null), the generator that negative sampling draws from, and,
/// when the optimizer updates rows lazily, the registry the loss gathers its embedding rows into
/// (without it rows are looked up through ordinary autograd and tables get dense gradients).
/// </summary>
internal readonly record struct TrainingBatch(Tensor Users, Tensor Items, Tensor? Weights, Generator Generator, GatheredRows? Rows = null);
