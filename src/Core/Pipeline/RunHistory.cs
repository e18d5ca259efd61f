using System.Runtime.CompilerServices;
using Recommender.Core.Storage;
using Recommender.Core.Training;

namespace Recommender.Core.Pipeline;

/// <summary>What is kept of a finished run: how it started, how it ended, its figures.</summary>
public sealed record RunRecord
{
    /// <summary>The run.</summary>
    public required string RunId { get; init; }

    /// <summary>What started it.</summary>
    public required string Trigger { get; init; }

    /// <summary>published, rejected (quality gate), unchanged (same dataset as the live version), failed or interrupted.</summary>
    public required string Result { get; init; }

    /// <summary>When it started.</summary>
    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>When it ended.</summary>
    public required DateTimeOffset FinishedAt { get; init; }

    /// <summary>The dataset it trained on, when preprocessing finished.</summary>
    public string? DatasetVersion { get; init; }

    /// <summary>The stage that failed, for failed runs.</summary>
    public string? FailedStage { get; init; }

    /// <summary>Why it failed or was rejected.</summary>
    public string? Reason { get; init; }

    /// <summary>Fingerprint of the input logs it saw.</summary>
    public string? InputFingerprint { get; init; }

    /// <summary>Evaluation metrics of the model and the baselines.</summary>
    public EvaluateStageOutput? Evaluation { get; init; }

    /// <summary>What preprocessing read, dropped and rejected, when it finished.</summary>
    public PreprocessingSummary? Preprocessing { get; init; }

    /// <summary>The automatic model choice's leaderboard, when the run chose its model kind.</summary>
    public IReadOnlyList<LeaderboardEntry>? Leaderboard { get; init; }

    /// <summary>The training overrides the run was asked for with (<c>POST /api/runs</c>), or null for the app's own settings.</summary>
    public TrainingOverrides? Overrides { get; init; }
}

/// <summary>How a run ended, as both hosts (the orchestration and the CLI's sequential pipeline) record it.</summary>
/// <param name="Result">One of <see cref="RunResults"/>.</param>
/// <param name="Data">What preprocessing produced, when it finished.</param>
/// <param name="Evaluation">The evaluation, when it ran.</param>
/// <param name="Leaderboard">The automatic model choice's leaderboard, when it chose.</param>
/// <param name="FailedStage">The stage that failed, for failed runs.</param>
/// <param name="Reason">Why it failed, was rejected or ended unchanged.</param>
public sealed record RunEnding(
    string Result,
    PreprocessStageOutput? Data,
    EvaluateStageOutput? Evaluation,
    IReadOnlyList<LeaderboardEntry>? Leaderboard,
    string? FailedStage,
    string? Reason)
{
    /// <summary>The record of <paramref name="request"/>'s run.</summary>
    public RunRecord ToRecord(PipelineRunRequest request, DateTimeOffset startedAt, DateTimeOffset finishedAt)
    {
        ArgumentNullException.ThrowIfNull(request);
        return new RunRecord
        {
            RunId = request.RunId,
            Trigger = request.Trigger,
            Result = Result,
            StartedAt = startedAt,
            FinishedAt = finishedAt,
            DatasetVersion = Data?.DatasetVersion,
            FailedStage = FailedStage,
            Reason = Reason,
            InputFingerprint = Data?.InputFingerprint,
            Evaluation = Evaluation,
            Preprocessing = Data?.Summary,
            Leaderboard = Leaderboard,
            Overrides = request.Overrides,
        };
    }
}

/// <summary>Run records and the last-settled marker, kept in the artifact store under <c>runs/</c> and <c>pipeline/</c>.</summary>
public sealed class RunHistory(IArtifactStore store)
{
    // A run record is a few kilobytes; anything far larger is not one of ours.
    private const long MaxRecordBytes = 1 << 20;

    /// <summary>
    /// Stores a run's record (replacing an earlier record of the same run). A run whose input was judged (published,
    /// found unchanged, or rejected by the quality gate) also becomes the last settled run, whose input fingerprint
    /// the triggers compare with before they start another run: the same input with the same settings would be judged
    /// the same way again (training is seeded), so a rejected input is not trained again on every upload event or
    /// night. A rejection settles nothing when the run had overrides (the app's own settings might pass), nor does a
    /// failed or interrupted run. A run asked for over HTTP trains whatever the marker says.
    /// </summary>
    public async Task WriteAsync(RunRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        await ModelArtifactJson.WriteAsync(store, RecordPath(record.RunId), record, cancellationToken).ConfigureAwait(false);
        bool settles = record.Result is RunResults.Published or RunResults.Unchanged || record is { Result: RunResults.Rejected, Overrides: null };
        if (settles && record.InputFingerprint is not null)
        {
            await ModelArtifactJson.WriteAsync(store, PipelinePaths.LastSettled, record, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A run's record, or null when the run is unknown or still going.</summary>
    public async Task<RunRecord?> GetAsync(string runId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(runId);
        return runId.AsSpan().IndexOfAny("/\\") >= 0 ? null : await ReadAsync(RecordPath(runId), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The last run that published, found its dataset unchanged or was rejected by the quality gate, or null.</summary>
    public Task<RunRecord?> GetLastSettledAsync(CancellationToken cancellationToken = default) =>
        ReadAsync(PipelinePaths.LastSettled, cancellationToken);

    /// <summary>
    /// Every recorded run, newest first: in descending order of run id, which starts with the run's start time
    /// (<see cref="PipelinePaths.NewRunId"/>). Only the listing is read up front; each record is read as the caller
    /// gets to it, so a caller that wants the newest hundred reads a hundred records, however many runs there were.
    /// </summary>
    public async IAsyncEnumerable<RunRecord> ListAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var paths = new List<string>();
        await foreach (ArtifactInfo info in store.ListAsync("runs/", cancellationToken).ConfigureAwait(false))
        {
            paths.Add(info.Path);
        }

        foreach (string path in paths.Order(StringComparer.Ordinal).Reverse())
        {
            if (await ReadAsync(path, cancellationToken).ConfigureAwait(false) is { } record)
            {
                yield return record;
            }
        }
    }

    private static string RecordPath(string runId) => $"runs/{runId}.json";

    private Task<RunRecord?> ReadAsync(string path, CancellationToken cancellationToken) =>
        ModelArtifactJson.ReadAsync<RunRecord>(store, path, MaxRecordBytes, cancellationToken);
}

/// <summary>The ways a run ends.</summary>
public static class RunResults
{
    /// <summary>The new version is live.</summary>
    public const string Published = "published";

    /// <summary>The quality gate kept the live version.</summary>
    public const string Rejected = "rejected";

    /// <summary>A stage failed; the live version stayed live.</summary>
    public const string Failed = "failed";

    /// <summary>The input made the same dataset the live version was trained on, so nothing was trained.</summary>
    public const string Unchanged = "unchanged";

    /// <summary>The run was stopped (Ctrl-C) before it ended; its checkpoints let the same run id resume.</summary>
    public const string Interrupted = "interrupted";
}
