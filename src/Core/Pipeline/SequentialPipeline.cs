using Recommender.Core.Training;

namespace Recommender.Core.Pipeline;

/// <summary>
/// Runs the pipeline's stages one after another in this process: what the CLI does on one
/// machine, with the same stages, gate and artifacts as the Durable orchestration. When the gate
/// passes and refitting is on, the refit (train + validation) is trained and scored in place of the
/// gated model.
/// </summary>
public sealed class SequentialPipeline(PipelineStages stages, RunHistory history, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>
    /// Runs <paramref name="request"/> to the end; throws <see cref="PipelineFailedException"/> naming the stage that failed.
    /// When <paramref name="cancellationToken"/> stops it, the run is recorded as <see cref="RunResults.Interrupted"/>
    /// (with the last epoch whose checkpoint was written) before the cancellation propagates, so training it again
    /// under the same run id resumes from that checkpoint.
    /// </summary>
    public async Task<PipelineOutcome> RunAsync(
        PipelineRunRequest request,
        IProgress<PipelineProgress>? stageProgress = null,
        IProgress<TrainingProgress>? trainingProgress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        DateTimeOffset started = _time.GetUtcNow();
        string stage = PipelineStageNames.Preprocess;
        PreprocessStageOutput? data = null;
        EvaluateStageOutput? evaluation = null;
        IReadOnlyList<LeaderboardEntry>? leaderboard = null;
        TrainingProgress? lastEpoch = null;
        trainingProgress = new EpochTracker(trainingProgress, epoch => lastEpoch = epoch);
        try
        {
            stageProgress?.Report(new PipelineProgress(request.RunId, stage));
            data = await stages.Preprocess.RunAsync(new PreprocessStageInput(request.RunId), cancellationToken).ConfigureAwait(false);

            stage = PipelineStageNames.Train;
            stageProgress?.Report(new PipelineProgress(request.RunId, stage, $"{data.Users} users, {data.Items} items"));
            string? live = await stages.Publish.GetLiveVersionAsync(cancellationToken).ConfigureAwait(false);
            TrainStageOutput trained = await stages.Train.RunAsync(
                new TrainStageInput(request.RunId, data.DatasetVersion, request.Settings.EvaluationK, request.Overrides, live, MaxEpochsThisCall: 0),
                trainingProgress,
                cancellationToken).ConfigureAwait(false);
            leaderboard = trained.Leaderboard;

            stage = PipelineStageNames.Evaluate;
            stageProgress?.Report(new PipelineProgress(request.RunId, stage) { Epoch = trained.EpochsDone });
            evaluation = await stages.Evaluate.RunAsync(new EvaluateStageInput(request.RunId, data.DatasetVersion, live, request.Settings), cancellationToken).ConfigureAwait(false);
            if (!evaluation.Passed)
            {
                await RecordAsync(request, started, new RunEnding(RunResults.Rejected, data, evaluation, leaderboard, null, evaluation.Reason), cancellationToken).ConfigureAwait(false);
                return new PipelineOutcome(request.RunId, RunResults.Rejected, data.DatasetVersion, evaluation, null) { Leaderboard = leaderboard };
            }

            string? modelRunId = null;
            if (evaluation.Refit is { } refit)
            {
                stage = PipelineStageNames.Refit;
                stageProgress?.Report(new PipelineProgress(request.RunId, stage, $"train + validation, {refit.Training}"));
                await stages.Train.RunAsync(
                    new TrainStageInput(refit.RunId, data.DatasetVersion, request.Settings.EvaluationK, request.Overrides, WarmStartRunId: null, MaxEpochsThisCall: 0) { RefitOf = request.RunId },
                    trainingProgress,
                    cancellationToken).ConfigureAwait(false);
                modelRunId = refit.RunId;
            }

            stage = PipelineStageNames.Score;
            int shardSize = request.Settings.ShardSize;
            int shards = (data.Users + shardSize - 1) / shardSize;
            stageProgress?.Report(new PipelineProgress(request.RunId, stage) { ShardsDone = 0, Shards = shards });
            await stages.Scoring.PrepareAsync(new PrepareScoringInput(request.RunId, data.DatasetVersion, modelRunId), cancellationToken).ConfigureAwait(false);
            for (int shard = 0; shard < shards; shard++)
            {
                stageProgress?.Report(new PipelineProgress(request.RunId, stage) { ShardsDone = shard, Shards = shards });
                int first = shard * shardSize;
                await stages.Scoring.ScoreShardAsync(new ScoreShardInput(request.RunId, data.DatasetVersion, first, Math.Min(data.Users, first + shardSize), request.Settings.TopK), cancellationToken).ConfigureAwait(false);
            }

            stage = PipelineStageNames.Publish;
            stageProgress?.Report(new PipelineProgress(request.RunId, stage) { ShardsDone = shards, Shards = shards });
            PublishStageOutput published = await stages.Publish.RunAsync(
                new PublishStageInput(request.RunId, data.DatasetVersion, data.InputFingerprint, request.Settings.TopK, request.Settings.KeepVersions),
                cancellationToken).ConfigureAwait(false);
            await RecordAsync(request, started, new RunEnding(RunResults.Published, data, evaluation, leaderboard, null, null), cancellationToken).ConfigureAwait(false);
            return new PipelineOutcome(request.RunId, RunResults.Published, data.DatasetVersion, evaluation, published) { Leaderboard = leaderboard };
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            string reason = stage == PipelineStageNames.Train && lastEpoch is { } epoch
                ? InterruptedAfter(epoch)
                : $"interrupted in stage '{stage}'";
            await RecordAsync(request, started, new RunEnding(RunResults.Interrupted, data, evaluation, leaderboard, stage, reason), CancellationToken.None).ConfigureAwait(false);
            throw;
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not PipelineFailedException)
        {
            await RecordAsync(request, started, new RunEnding(RunResults.Failed, data, evaluation, leaderboard, stage, ex.Message), CancellationToken.None).ConfigureAwait(false);
            throw new PipelineFailedException(request.RunId, stage, ex);
        }
    }

    /// <summary>"interrupted after epoch 3", and "of softmax" where the run trains several models.</summary>
    private static string InterruptedAfter(TrainingProgress epoch)
    {
        string after = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"interrupted after epoch {epoch.Epoch}");
        return epoch.Model is null ? after : $"{after} of {epoch.Model}";
    }

    private Task RecordAsync(PipelineRunRequest request, DateTimeOffset started, RunEnding ending, CancellationToken cancellationToken) =>
        history.WriteAsync(ending.ToRecord(request, started, _time.GetUtcNow()), cancellationToken);
}

/// <summary>Passes training progress on, and notes each epoch that ended (its checkpoint is written by then).</summary>
internal sealed class EpochTracker(IProgress<TrainingProgress>? inner, Action<TrainingProgress> epochEnded) : IProgress<TrainingProgress>
{
    public void Report(TrainingProgress value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.IsEpochEnd)
        {
            epochEnded(value);
        }

        inner?.Report(value);
    }
}
