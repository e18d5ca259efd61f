using System.Text.RegularExpressions;

namespace Recommender.Core.Training;

/// <summary>
/// Identifies a training run. Its artifacts live under <c>models/{RunId}/</c>; training again with the
/// same id resumes from the newest complete checkpoint, or returns the finished result.
/// </summary>
/// <param name="RunId">Run id: letters, digits, '.', '_' and '-' (it becomes a path segment).</param>
/// <param name="WarmStartRunId">
/// A finished earlier run whose best embeddings seed the users and items both vocabularies share
/// (matched by external id); null to start from random embeddings.
/// </param>
public sealed partial record TrainingRun(string RunId, string? WarmStartRunId = null)
{
    /// <summary>
    /// Most epochs to train in this call (0: no limit). A call that stops early returns a result whose status is
    /// <see cref="TrainingStatus.Running"/>; the next call with the same run id resumes from the checkpoint. This is
    /// how the pipeline trains in activity-sized chunks and reports progress between them.
    /// </summary>
    public int MaxEpochsThisCall { get; init; }

    /// <summary>The run this one refits on train + validation (see <see cref="ModelRefit"/>); null for an ordinary run.</summary>
    public string? RefitOf { get; init; }

    /// <summary>True once <paramref name="epochsThisCall"/> reaches <see cref="MaxEpochsThisCall"/>.</summary>
    public bool CallBudgetSpent(int epochsThisCall) => MaxEpochsThisCall > 0 && epochsThisCall >= MaxEpochsThisCall;

    /// <summary>The run id of part <paramref name="partName"/> of blend run <paramref name="runId"/> (see <see cref="BlendPart"/>).</summary>
    public static string BlendPartRunId(string runId, string partName) => $"{runId}.part-{partName}";

    /// <summary>Throws <see cref="ArgumentException"/> when a run id cannot be a path segment.</summary>
    public static void ValidateRunId(string runId, string parameterName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(runId, parameterName);
        if (runId.Length > 128 || !RunIdPattern().IsMatch(runId) || runId is "." or "..")
        {
            throw new ArgumentException($"Run id '{runId}' must be 1-128 letters, digits, '.', '_' or '-'.", parameterName);
        }
    }

    [GeneratedRegex("^[A-Za-z0-9._-]+$")]
    private static partial Regex RunIdPattern();
}
