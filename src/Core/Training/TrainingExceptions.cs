using System.Globalization;

namespace Recommender.Core.Training;

/// <summary>The training loss became NaN or infinite: the run cannot go on with these hyperparameters.</summary>
public sealed class TrainingDivergedException : Exception
{
    /// <summary>Creates the exception for the batch where the loss stopped being finite.</summary>
    public TrainingDivergedException(string runId, int epoch, int batch, double loss)
        : base(string.Create(CultureInfo.InvariantCulture, $"Training run '{runId}' diverged: the loss is {loss} at epoch {epoch}, batch {batch}. Lower the learning rate or raise regularization."))
    {
        RunId = runId;
        Epoch = epoch;
        Batch = batch;
        Loss = loss;
    }

    /// <summary>The run.</summary>
    public string RunId { get; }

    /// <summary>Epoch of the bad batch, from 1.</summary>
    public int Epoch { get; }

    /// <summary>Batch within the epoch, from 1.</summary>
    public int Batch { get; }

    /// <summary>The non-finite loss.</summary>
    public double Loss { get; }
}

/// <summary>
/// LibTorch failed during an epoch (out of device memory, a matrix it could not factor, or any other native
/// error): the message names the run, the epoch and LibTorch's reason without its native backtrace, which
/// stays on <see cref="Exception.InnerException"/>. The run keeps the checkpoints of the epochs before.
/// </summary>
public sealed class TrainingFailedException : Exception
{
    /// <summary>Creates the exception for a failure in <paramref name="epoch"/> (in <paramref name="batch"/> of <paramref name="batches"/> when it was a mini-batch step).</summary>
    public TrainingFailedException(string runId, int epoch, int? batch, int batches, string reason, Exception inner)
        : base(MessageOf(runId, epoch, batch, batches, reason), inner)
    {
        RunId = runId;
        Epoch = epoch;
        Batch = batch;
    }

    /// <summary>The run.</summary>
    public string RunId { get; }

    /// <summary>The epoch that failed, from 1.</summary>
    public int Epoch { get; }

    /// <summary>The mini-batch that failed, from 1; null when the epoch failed outside a batch step (a closed-form fit or the validation).</summary>
    public int? Batch { get; }

    private static string MessageOf(string runId, int epoch, int? batch, int batches, string reason)
    {
        string where = batch is { } at ? string.Create(CultureInfo.InvariantCulture, $"epoch {epoch}, batch {at} of {batches}") : string.Create(CultureInfo.InvariantCulture, $"epoch {epoch}");
        string sentence = reason.EndsWith('.') ? reason : reason + ".";
        string again = epoch > 1
            ? string.Create(CultureInfo.InvariantCulture, $"Running it again resumes from the checkpoint of epoch {epoch - 1}.")
            : "Running it again starts it over.";
        return $"Training run '{runId}' failed in LibTorch at {where}: {sentence} {again}";
    }
}

/// <summary>The device the options ask for is not available to this process.</summary>
public sealed class TrainingDeviceUnavailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    public TrainingDeviceUnavailableException(string message)
        : base(message)
    {
    }
}

/// <summary>
/// A run id already holds a run that does not match the request (another dataset version or other
/// hyperparameters), so it can neither be resumed nor returned.
/// </summary>
public sealed class TrainingRunConflictException : Exception
{
    /// <summary>Creates the exception.</summary>
    public TrainingRunConflictException(string runId, string reason)
        : base($"Training run '{runId}' already exists with {reason}; use a new run id.")
    {
        RunId = runId;
    }

    /// <summary>The run.</summary>
    public string RunId { get; }
}

/// <summary>A model artifact (model.json, a checkpoint or the vocabulary) is missing parts, malformed or inconsistent.</summary>
public sealed class InvalidModelArtifactException : Exception
{
    /// <summary>Creates the exception for the artifact at <paramref name="path"/>.</summary>
    public InvalidModelArtifactException(string path, string reason, Exception? inner = null)
        : base($"Model artifact '{path}' is not usable: {reason}", inner)
    {
        Path = path;
    }

    /// <summary>The artifact's path.</summary>
    public string Path { get; }
}
