using System.CommandLine;
using Recommender.Core.Models;
using Recommender.Core.Preprocessing;
using Recommender.Core.Training;

namespace Recommender.Cli.Commands;

/// <summary>Training options shared by <c>run</c>, <c>demo</c> and <c>train</c>.</summary>
internal sealed class TrainingArguments
{
    private readonly Option<ModelKind?> _kind = new("--model") { Description = "Model: Auto (MF for explicit ratings, softmax otherwise), MatrixFactorization, Bpr or Softmax." };

    private readonly Option<int?> _dimension = new("--dimension") { Description = "Embedding dimension." };

    private readonly Option<int?> _epochs = new("--epochs") { Description = "Most epochs (early stopping on validation may end sooner)." };

    private readonly Option<double?> _learningRate = new("--learning-rate") { Description = "Adam learning rate." };

    private readonly Option<int?> _batchSize = new("--batch-size") { Description = "Interactions per mini-batch." };

    private readonly Option<double?> _regularization = new("--regularization") { Description = "L2 regularization of the embeddings." };

    private readonly Option<long?> _seed = new("--training-seed") { Description = "Seed of initialization, shuffling and sampling." };

    private readonly Option<TrainingDevice?> _device = new("--device") { Description = "cpu, cuda or auto (CUDA when present, else CPU, and says so)." };

    public void AddTo(Command command)
    {
        foreach (Option option in new Option[] { _kind, _dimension, _epochs, _learningRate, _batchSize, _regularization, _seed, _device })
        {
            command.Add(option);
        }
    }

    /// <summary>Refuses, before any work, a model that cannot train on the feedback the logs will be read as.</summary>
    public static void EnsureFitsFeedback(TrainingOptions training, PreprocessingOptions preprocessing)
    {
        if (training.Kind == ModelKind.MatrixFactorization && preprocessing.Feedback != FeedbackKind.Explicit)
        {
            throw new ArgumentException("--model MatrixFactorization trains on explicit ratings: add --explicit, or choose Bpr or Softmax for implicit feedback.");
        }
    }

    public TrainingOptions Options(ParseResult parse, TrainingOptions defaults) => defaults with
    {
        Kind = parse.GetValue(_kind) ?? defaults.Kind,
        Dimension = parse.GetValue(_dimension) ?? defaults.Dimension,
        Epochs = parse.GetValue(_epochs) ?? defaults.Epochs,
        LearningRate = parse.GetValue(_learningRate) ?? defaults.LearningRate,
        BatchSize = parse.GetValue(_batchSize) ?? defaults.BatchSize,
        Regularization = parse.GetValue(_regularization) ?? defaults.Regularization,
        Seed = parse.GetValue(_seed) ?? defaults.Seed,
        Device = parse.GetValue(_device) ?? defaults.Device,
    };
}
