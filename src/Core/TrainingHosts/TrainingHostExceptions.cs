namespace Recommender.Core.TrainingHosts;

/// <summary>A training call outside this process (a child process or a job execution) failed.</summary>
public class TrainingHostException : Exception
{
    /// <summary>Creates the exception.</summary>
    public TrainingHostException(string runId, string message, Exception? inner = null)
        : base(message, inner)
    {
        RunId = runId;
    }

    /// <summary>The run whose training failed.</summary>
    public string RunId { get; }
}

/// <summary>The <c>recommender train</c> child process exited with an error or ran past its timeout.</summary>
public sealed class TrainingProcessFailedException : TrainingHostException
{
    /// <summary>Creates the exception.</summary>
    public TrainingProcessFailedException(string runId, int? exitCode, string reason, string standardErrorTail)
        : base(runId, $"Training process of run '{runId}' {reason}{(exitCode is { } code ? $" (exit code {code})" : string.Empty)}. Standard error ends with: {standardErrorTail}")
    {
        ExitCode = exitCode;
        StandardErrorTail = standardErrorTail;
    }

    /// <summary>The child's exit code; null when it was killed.</summary>
    public int? ExitCode { get; }

    /// <summary>The end of what the child wrote to standard error.</summary>
    public string StandardErrorTail { get; }
}

/// <summary>A training job execution ended without success.</summary>
public sealed class TrainingJobFailedException(string runId, string execution, string state)
    : TrainingHostException(runId, $"Training job execution '{execution}' of run '{runId}' ended as {state}.")
{
    /// <summary>The job execution.</summary>
    public string Execution { get; } = execution;
}

/// <summary>A training job execution ran past the configured timeout.</summary>
public sealed class TrainingJobTimedOutException(string runId, string execution, TimeSpan timeout)
    : TrainingHostException(runId, $"Training job execution '{execution}' of run '{runId}' was still running after {timeout}.")
{
    /// <summary>The job execution.</summary>
    public string Execution { get; } = execution;
}

/// <summary>Azure Resource Manager refused or failed a request about the training job.</summary>
public sealed class TrainingJobRequestException(string message, int statusCode)
    : Exception(message)
{
    /// <summary>HTTP status code of the answer.</summary>
    public int StatusCode { get; } = statusCode;
}
