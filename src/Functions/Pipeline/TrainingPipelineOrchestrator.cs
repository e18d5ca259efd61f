using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Recommender.Core.Pipeline;
using Recommender.Core.Training;
using Recommender.Core.TrainingHosts;
using Recommender.Functions.Pipeline.Activities;

namespace Recommender.Functions.Pipeline;

/// <summary>
/// The training pipeline: preprocess → (end here when a trigger's run finds the live version's dataset) →
/// train (in resumable chunks; the automatic choice's candidates as parallel chains of such chunks, then the
/// choice) → evaluate → quality gate → refit on train + validation (resumable chunks,
/// when on) → prepare scoring → score fan-out over user shards (capped parallelism) → publish. It only
/// sequences activities: no clock, no I/O, no delays, so replays are deterministic. A failed stage is
/// reported in the custom status and the run record; the live version stays live. When new
/// input arrived during the run, one follow-up run continues as new.
/// </summary>
public static class TrainingPipelineOrchestrator
{
    /// <summary>Orchestration name.</summary>
    public const string Name = nameof(TrainingPipelineOrchestrator);

    /// <summary>Runs one pipeline run.</summary>
    [Function(Name)]
    public static Task<PipelineOutcome> RunOrchestration([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        PipelineRunRequest request = context.GetInput<PipelineRunRequest>()
            ?? throw new InvalidOperationException("The pipeline needs a PipelineRunRequest input.");
        return RunAsync(context, request, PipelineRetries.Default);
    }

    /// <summary>The pipeline's steps, with the retry policies of its activity calls (tests shorten them).</summary>
    public static async Task<PipelineOutcome> RunAsync(TaskOrchestrationContext context, PipelineRunRequest request, PipelineRetries retries)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(retries);
        TaskOptions retry = retries.Activity;
        string runId = request.RunId;
        DateTimeOffset startedAt = context.CurrentUtcDateTime;
        var progress = new PipelineProgress(runId, PipelineStageNames.Preprocess, $"started by {request.Trigger}");
        context.SetCustomStatus(progress);
        string stage = PipelineStageNames.Preprocess;
        PreprocessStageOutput? data = null;
        EvaluateStageOutput? evaluation = null;
        IReadOnlyList<LeaderboardEntry>? leaderboard = null;
        try
        {
            data = await PreprocessActivity.CallAsync(context, new PreprocessStageInput(runId), retry);
            if (request.SkipWhenDatasetUnchanged && data.LiveRunOnSameDataset is { } sameAsLive)
            {
                string unchanged = $"input unchanged: live version {sameAsLive} was trained on dataset {data.DatasetVersion}"
                    + (data.Summary.FilesRejected > 0 ? $" ({data.Summary.FilesRejected} logs rejected)" : string.Empty);
                context.SetCustomStatus(progress with { Stage = PipelineStageNames.Unchanged, Detail = unchanged });
                await RecordAsync(context, request, startedAt, new RunEnding(RunResults.Unchanged, data, null, null, null, unchanged), retry);
                return await FinishAsync(context, request, data, new PipelineOutcome(runId, RunResults.Unchanged, data.DatasetVersion, null, null), retry);
            }

            progress = progress with { Stage = PipelineStageNames.Train, Detail = $"{data.Users} users, {data.Items} items, {data.Interactions} interactions" };
            context.SetCustomStatus(progress);

            stage = PipelineStageNames.Train;
            string? liveRunId = await GetLiveVersionActivity.CallAsync(context, runId, retry);
            var trainInput = new TrainStageInput(runId, data.DatasetVersion, request.Settings.EvaluationK, request.Overrides, liveRunId, request.Settings.EpochsPerActivity);

            // A training job runs a whole choice in one execution; in the app the candidates fan out.
            CandidatePlan plan = request.Settings.TrainingJob is null
                ? await PlanCandidatesActivity.CallAsync(context, trainInput, retry)
                : new CandidatePlan([], TimeSpan.Zero);
            (progress, leaderboard) = plan.Candidates.Count > 0
                ? await ChooseAmongCandidatesAsync(context, request, trainInput, plan, progress, retries)
                : await TrainToEndAsync(context, request, trainInput, progress, detail: null, retries);

            stage = PipelineStageNames.Evaluate;
            progress = progress with { Stage = PipelineStageNames.Evaluate, Detail = null };
            context.SetCustomStatus(progress);
            evaluation = await EvaluateActivity.CallAsync(context, new EvaluateStageInput(runId, data.DatasetVersion, liveRunId, request.Settings), retry);
            progress = progress with { Metrics = evaluation.Model };
            if (!evaluation.Passed)
            {
                context.SetCustomStatus(progress with { Stage = PipelineStageNames.Rejected, Detail = evaluation.Reason });
                await RecordAsync(context, request, startedAt, new RunEnding(RunResults.Rejected, data, evaluation, leaderboard, null, evaluation.Reason), retry);
                return await FinishAsync(context, request, data, new PipelineOutcome(runId, RunResults.Rejected, data.DatasetVersion, evaluation, null) { Leaderboard = leaderboard }, retry);
            }

            string? modelRunId = null;
            if (evaluation.Refit is { } refit)
            {
                // The gated model stays as it is (later runs compare with it); its refit on train + validation is scored and published.
                stage = PipelineStageNames.Refit;
                string detail = $"train + validation, {refit.Training}";
                progress = progress with { Stage = PipelineStageNames.Refit, Detail = detail, Epoch = 0, Epochs = refit.Epochs };
                context.SetCustomStatus(progress);
                var refitInput = new TrainStageInput(refit.RunId, data.DatasetVersion, request.Settings.EvaluationK, request.Overrides, null, request.Settings.EpochsPerActivity) { RefitOf = runId };
                (progress, _) = await TrainToEndAsync(context, request, refitInput, progress, detail, retries);
                modelRunId = refit.RunId;
            }

            stage = PipelineStageNames.Score;
            int shards = await ScoreAllShardsAsync(context, request, data, modelRunId, progress, retry);

            stage = PipelineStageNames.Publish;
            context.SetCustomStatus(progress with { Stage = PipelineStageNames.Publish, ShardsDone = shards, Shards = shards });
            PublishStageOutput published = await PublishActivity.CallAsync(
                context, new PublishStageInput(runId, data.DatasetVersion, data.InputFingerprint, request.Settings.TopK, request.Settings.KeepVersions), retry);
            context.SetCustomStatus(progress with { Stage = PipelineStageNames.Done, ShardsDone = shards, Shards = shards, Detail = $"version {published.Version} is live" });
            await RecordAsync(context, request, startedAt, new RunEnding(RunResults.Published, data, evaluation, leaderboard, null, null), retry);
            return await FinishAsync(context, request, data, new PipelineOutcome(runId, RunResults.Published, data.DatasetVersion, evaluation, published) { Leaderboard = leaderboard }, retry);
        }
        catch (Exception ex) when (ex is TaskFailedException or TrainingHostException)
        {
            string reason = ex is TaskFailedException failed ? failed.FailureDetails.ErrorMessage : ex.Message;
            context.SetCustomStatus(progress with { Stage = PipelineStageNames.Failed, FailedStage = stage, Error = reason });
            await RecordAsync(context, request, startedAt, new RunEnding(RunResults.Failed, data, evaluation, leaderboard, stage, reason), retry);
            throw new PipelineFailedException(runId, stage, reason, ex);
        }
    }

    /// <summary>
    /// Training calls until <paramref name="input"/>'s run finishes: each trains a few epochs and checkpoints;
    /// a retry or the next call resumes from the checkpoint. Returns the progress shown at the end and
    /// the leaderboard of an automatic model choice.
    /// </summary>
    private static async Task<(PipelineProgress Progress, IReadOnlyList<LeaderboardEntry>? Leaderboard)> TrainToEndAsync(TaskOrchestrationContext context, PipelineRunRequest request, TrainStageInput input, PipelineProgress progress, string? detail, PipelineRetries retries)
    {
        TrainStageOutput trained;
        do
        {
            trained = request.Settings.TrainingJob is { } job
                ? await TrainOnJobAsync(context, input, job, progress, retries)
                : await TrainActivity.CallAsync(context, input, retries.Activity);
            progress = AfterTraining(progress, trained, detail);
            context.SetCustomStatus(progress);
        }
        while (!trained.Finished);
        return (progress, trained.Leaderboard);
    }

    /// <summary>
    /// The automatic choice in the app: each candidate trains as its own chain of training calls, at most
    /// <see cref="PipelineRunSettings.MaxParallelCandidates"/> at once (each call resumes from the candidate's
    /// checkpoints, so a retry loses an epoch at most); once the candidates trained so far have taken the plan's
    /// time budget, those not started are skipped. Then one call chooses and makes the winner the run's model.
    /// </summary>
    private static async Task<(PipelineProgress Progress, IReadOnlyList<LeaderboardEntry>? Leaderboard)> ChooseAmongCandidatesAsync(
        TaskOrchestrationContext context, PipelineRunRequest request, TrainStageInput input, CandidatePlan plan, PipelineProgress progress, PipelineRetries retries)
    {
        DateTime started = context.CurrentUtcDateTime;
        var running = new List<Task>();
        var skipped = new List<string>();
        int done = 0;
        string Trained() => $"candidates {string.Join(", ", plan.Candidates)}: {done} of {plan.Candidates.Count} trained";
        context.SetCustomStatus(progress with { Detail = Trained() });
        foreach (string candidate in plan.Candidates)
        {
            if (running.Count == request.Settings.MaxParallelCandidates)
            {
                Task finished = await Task.WhenAny(running);
                running.Remove(finished);
                await finished;
                done++;
                context.SetCustomStatus(progress with { Detail = Trained() });
            }

            if (done > 0 && context.CurrentUtcDateTime - started >= plan.TimeBudget)
            {
                skipped.Add(candidate);
                continue;
            }

            running.Add(TrainCandidateToEndAsync(context, input with { Candidate = candidate, WarmStartRunId = null }, retries.Activity));
        }

        await Task.WhenAll(running);
        TrainStageOutput chosen = await ChooseModelActivity.CallAsync(context, new ChooseModelInput(input, skipped), retries.Activity);
        progress = AfterTraining(progress, chosen, chosen.Leaderboard?.SingleOrDefault(entry => entry.Chosen) is { } winner ? $"chose {winner.Candidate}" : null);
        context.SetCustomStatus(progress);
        return (progress, chosen.Leaderboard);
    }

    /// <summary>The progress shown once a training call returned <paramref name="trained"/>.</summary>
    private static PipelineProgress AfterTraining(PipelineProgress progress, TrainStageOutput trained, string? detail) => progress with
    {
        Epoch = trained.EpochsDone,
        Epochs = trained.MaxEpochs,

        // A refit has no validation: the gated model's metrics stay on show.
        Metrics = trained.Metric.Length == 0 || trained.BestValue is not { } best ? progress.Metrics : new Dictionary<string, double> { [trained.Metric] = best },
        Detail = detail,
    };

    private static async Task TrainCandidateToEndAsync(TaskOrchestrationContext context, TrainStageInput input, TaskOptions retry)
    {
        TrainStageOutput trained;
        do
        {
            trained = await TrainActivity.CallAsync(context, input, retry);
        }
        while (!trained.Finished);
    }

    /// <summary>
    /// One training call as a job execution: start it, then check its state on durable timers
    /// (no activity waits for hours) until it ends or runs past the timeout; read the run's
    /// progress from its manifest afterwards. A failed execution is started again (it resumes
    /// from the checkpoints) up to <see cref="TrainingJobSchedule.MaxExecutions"/> times.
    /// </summary>
    private static async Task<TrainStageOutput> TrainOnJobAsync(TaskOrchestrationContext context, TrainStageInput input, TrainingJobSchedule job, PipelineProgress progress, PipelineRetries retries)
    {
        TaskOptions retry = retries.Activity;
        // An execution trains to the end: starting a GPU container per few epochs would cost more than it saves.
        TrainStageInput whole = input with { MaxEpochsThisCall = 0 };
        for (int attempt = 1; ; attempt++)
        {
            string execution = await StartTrainingJobActivity.CallAsync(context, new TrainingJobStart(whole, attempt), retries.JobStart);
            context.SetCustomStatus(progress with { Detail = $"job execution {execution} (attempt {attempt}/{job.MaxExecutions})" });
            DateTime deadline = context.CurrentUtcDateTime + job.Timeout;
            TrainingJobState state;
            while ((state = await GetTrainingJobStatusActivity.CallAsync(context, execution, retry)) is TrainingJobState.Running)
            {
                if (context.CurrentUtcDateTime >= deadline)
                {
                    throw new TrainingJobTimedOutException(input.RunId, execution, job.Timeout);
                }

                DateTime next = context.CurrentUtcDateTime + job.PollInterval;
                await context.CreateTimer(next < deadline ? next : deadline, CancellationToken.None);
            }

            if (state is TrainingJobState.Succeeded)
            {
                return await ReadTrainingProgressActivity.CallAsync(context, input, retry);
            }

            if (attempt >= job.MaxExecutions)
            {
                throw new TrainingJobFailedException(input.RunId, execution, state.ToString());
            }
        }
    }

    private static async Task<int> ScoreAllShardsAsync(TaskOrchestrationContext context, PipelineRunRequest request, PreprocessStageOutput data, string? modelRunId, PipelineProgress progress, TaskOptions retry)
    {
        int shardSize = request.Settings.ShardSize;
        int shardCount = (data.Users + shardSize - 1) / shardSize;
        var running = new List<Task<ScoreShardOutput>>();
        int done = 0;
        context.SetCustomStatus(progress with { Stage = PipelineStageNames.Score, ShardsDone = 0, Shards = shardCount });

        // Once per run: the bundle each shard reads only its own users' rows of.
        await PrepareScoringActivity.CallAsync(context, new PrepareScoringInput(request.RunId, data.DatasetVersion, modelRunId), retry);
        for (int shard = 0; shard < shardCount; shard++)
        {
            if (running.Count == request.Settings.MaxParallelShards)
            {
                Task<ScoreShardOutput> finished = await Task.WhenAny(running);
                running.Remove(finished);
                await finished;
                context.SetCustomStatus(progress with { Stage = PipelineStageNames.Score, ShardsDone = ++done, Shards = shardCount });
            }

            int first = shard * shardSize;
            var input = new ScoreShardInput(request.RunId, data.DatasetVersion, first, Math.Min(data.Users, first + shardSize), request.Settings.TopK);
            running.Add(ScoreShardActivity.CallAsync(context, input, retry));
        }

        await Task.WhenAll(running);
        return shardCount;
    }

    private static async Task<PipelineOutcome> FinishAsync(TaskOrchestrationContext context, PipelineRunRequest request, PreprocessStageOutput data, PipelineOutcome outcome, TaskOptions retry)
    {
        // Data that arrived during this run gets exactly one follow-up run.
        bool changed;
        try
        {
            changed = await InputChangedActivity.CallAsync(context, data.InputFingerprint, retry);
        }
        catch (TaskFailedException)
        {
            // The run ended as recorded; the next upload event or the nightly timer sees what it could not list.
            return outcome;
        }

        if (changed && request.FollowUpOf is null)
        {
            string next = PipelinePaths.NewRunId(context.CurrentUtcDateTime, context.NewGuid().ToString("N")[..6]);
            context.ContinueAsNew(request with { RunId = next, Trigger = "follow-up", FollowUpOf = request.RunId });
        }

        return outcome;
    }

    private static Task RecordAsync(TaskOrchestrationContext context, PipelineRunRequest request, DateTimeOffset startedAt, RunEnding ending, TaskOptions retry) =>
        RecordRunActivity.CallAsync(context, ending.ToRecord(request, startedAt, context.CurrentUtcDateTime), retry);
}

