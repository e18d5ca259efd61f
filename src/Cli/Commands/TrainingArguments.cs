using System.CommandLine;
using Recommender.Core.Models;
using Recommender.Core.Preprocessing;
using Recommender.Core.Training;
using Spectre.Console;

namespace Recommender.Cli.Commands;

/// <summary>Training options shared by <c>run</c>, <c>demo</c> and <c>train</c>; every value is checked while parsing.</summary>
internal sealed class TrainingArguments
{
    private readonly Option<ModelKind?> _kind = CheckedOption.Choice<ModelKind>("--model", "Model: Auto (MF for explicit ratings; for implicit feedback, the best on validation of EASE, iALS, softmax and their blend, where a lead within the noise keeps the earlier one), MatrixFactorization, Bpr, Softmax, Ease (closed-form item-to-item model, catalogs up to 20,000 items) or Ials (implicit alternating least squares, any catalog).", excluded: ModelKind.Blend);

    private readonly Option<int?> _dimension = CheckedOption.Number<int, TrainingOptions>("--dimension", "Embedding dimension.", nameof(TrainingOptions.Dimension));

    private readonly Option<int?> _epochs = CheckedOption.Number<int, TrainingOptions>("--epochs", "Most epochs (early stopping on validation may end sooner).", nameof(TrainingOptions.Epochs));

    private readonly Option<int?> _patience = CheckedOption.Number<int, TrainingOptions>(
        "--patience",
        "Validations without improvement before training stops early; 0 trains every epoch. Default per model: softmax, MF and iALS 3, BPR 15, EASE 2.",
        nameof(TrainingOptions.EarlyStoppingPatience));

    private readonly Option<int?> _evaluateEvery = CheckedOption.Number<int, TrainingOptions>(
        "--eval-every", "Validate every this many epochs (the last one always). Default 1.", nameof(TrainingOptions.EvaluateEvery));

    private readonly Option<double?> _learningRate = CheckedOption.Number<double, TrainingOptions>("--learning-rate", "Adam learning rate.", nameof(TrainingOptions.LearningRate));

    private readonly Option<int?> _batchSize = CheckedOption.Number<int, TrainingOptions>("--batch-size", "Interactions per mini-batch. Default per model: softmax 2048, BPR and MF 1024.", nameof(TrainingOptions.BatchSize));

    private readonly Option<double?> _regularization = CheckedOption.Number<double, TrainingOptions>("--regularization", "L2 regularization of the embeddings.", nameof(TrainingOptions.Regularization));

    private readonly Option<double?> _unobservedWeight = CheckedOption.Number<double, TrainingOptions>(
        "--unobserved-weight", "iALS: weight α₀ of every unobserved user–item pair. Default 0.3.", nameof(TrainingOptions.UnobservedWeight));

    private readonly Option<long?> _seed = CheckedOption.Number("--training-seed", "Seed of initialization, shuffling and sampling.", long.MinValue, long.MaxValue);

    private readonly Option<TrainingDevice?> _device = CheckedOption.Choice<TrainingDevice>("--device", "cpu, cuda or auto (CUDA when present, else CPU, and says so).");

    private readonly Option<bool> _noRefit = new("--no-refit")
    {
        Description = "Keep the model trained on train only (run and demo publish it). By default, once validation has chosen the epoch count (and, in run and demo, the quality gate passed), "
            + "the model is trained again on train + validation for that many epochs (softmax: continued from its best epoch for a quarter of them), and that refit is what run and demo publish.",
    };

    public void AddTo(Command command)
    {
        foreach (Option option in new Option[] { _kind, _dimension, _epochs, _patience, _evaluateEvery, _learningRate, _batchSize, _regularization, _unobservedWeight, _seed, _device, _noRefit })
        {
            command.Add(option);
        }
    }

    /// <summary>Refuses, before any work, a model that cannot train on the feedback the logs will be read as.</summary>
    public static void EnsureFitsFeedback(TrainingOptions training, PreprocessingOptions preprocessing)
    {
        if (ModelKindFeedback.CannotTrainOn(training.Kind, preprocessing.Feedback == FeedbackKind.Explicit))
        {
            throw new ArgumentException("--model MatrixFactorization trains on explicit ratings: add --explicit, or choose Bpr or Softmax for implicit feedback.");
        }
    }

    /// <summary>The options the flags give over <paramref name="defaults"/>, validated as a whole.</summary>
    public TrainingOptions Options(ParseResult parse, TrainingOptions defaults)
    {
        TrainingOptions options = defaults with
        {
            Kind = parse.GetValue(_kind) ?? defaults.Kind,
            Dimension = parse.GetValue(_dimension) ?? defaults.Dimension,
            Epochs = parse.GetValue(_epochs) ?? defaults.Epochs,
            EarlyStoppingPatience = parse.GetValue(_patience) ?? defaults.EarlyStoppingPatience,
            EvaluateEvery = parse.GetValue(_evaluateEvery) ?? defaults.EvaluateEvery,
            LearningRate = parse.GetValue(_learningRate) ?? defaults.LearningRate,
            BatchSize = parse.GetValue(_batchSize) ?? defaults.BatchSize,
            Regularization = parse.GetValue(_regularization) ?? defaults.Regularization,
            UnobservedWeight = parse.GetValue(_unobservedWeight) ?? defaults.UnobservedWeight,
            Seed = parse.GetValue(_seed) ?? defaults.Seed,
            Device = parse.GetValue(_device) ?? defaults.Device,
            Refit = !parse.GetValue(_noRefit) && defaults.Refit,
        };
        options.Validate();
        if (options.Device == TrainingDevice.Cuda && parse.GetValue(_device) is not null && !TorchSharp.torch.cuda.is_available())
        {
            throw new ArgumentException("--device cuda: TorchSharp finds no CUDA device (this build may carry the CPU-only TorchSharp package, or the machine has no usable GPU and driver); use --device cpu or --device auto.");
        }

        foreach (string ignored in IgnoredBy(options.Kind, parse))
        {
            ConsoleOutput.Error.MarkupLine($"[yellow]note:[/] {ignored} does not apply to --model {options.Kind} and is ignored.");
        }

        return options;
    }

    /// <summary>The options given on the command line that <paramref name="kind"/> has no use for.</summary>
    private IEnumerable<string> IgnoredBy(ModelKind kind, ParseResult parse)
    {
        bool minibatch = kind is ModelKind.Softmax or ModelKind.Bpr or ModelKind.MatrixFactorization;
        var unused = new (Option Option, bool Applies)[]
        {
            (_learningRate, minibatch),
            (_batchSize, minibatch),
            (_dimension, kind != ModelKind.Ease),
            (_unobservedWeight, kind == ModelKind.Ials),
        };
        return unused
            .Where(entry => kind != ModelKind.Auto && !entry.Applies && parse.GetResult(entry.Option) is { Implicit: false })
            .Select(entry => entry.Option.Name);
    }
}
