using Microsoft.Extensions.Logging;
using Recommender.Core.Datasets;
using Recommender.Core.Storage;
using Recommender.Core.Training;

namespace Recommender.Core.Pipeline;

/// <summary>
/// The train stage when the model kind is automatic on implicit feedback: each candidate
/// (<see cref="ModelCandidates.For"/>) trains as a run of its own (<c>{runId}.{candidate}</c>) with early
/// stopping on the validation part, the best validation value wins, and the run itself becomes the winner
/// trained with its options for its best number of epochs: the winner's checkpoint of that epoch is exactly
/// that model (same data, options and seed give the same epochs), so it is copied under the run's id rather
/// than trained again. Only the validation part decides: nothing here looks at data the
/// evaluation holds out later. Every step resumes from checkpoints, so a call that trains a bounded number
/// of epochs (<see cref="TrainStageInput.MaxEpochsThisCall"/>) returns unfinished and the next call goes on.
/// Candidates left when the search's time budget is spent are skipped and shown as such.
/// </summary>
internal sealed partial class AutomaticModelChoice(IArtifactStore store, ModelTrainer trainer, ILogger logger)
{
    /// <summary>Runs (or continues) the choice and the winner's training.</summary>
    public async Task<TrainStageOutput> TrainAsync(
        TrainStageInput input,
        CuratedDataset dataset,
        TrainingOptions options,
        ITrainingValidator validator,
        IProgress<TrainingProgress>? progress,
        CancellationToken cancellationToken)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        IReadOnlyList<ModelCandidate> candidates = ModelCandidates.For(options, dataset);
        var board = new List<LeaderboardEntry>();
        double spent = 0;
        foreach (ModelCandidate candidate in candidates)
        {
            if (spent >= options.SelectionTimeBudget.TotalSeconds && board.Any(entry => entry.Validation is not null))
            {
                board.Add(new LeaderboardEntry(candidate.Name, candidate.Options.Kind, candidate.Settings, validator.MetricName, null, null, 0, 0, 0)
                {
                    Skipped = FormattableString.Invariant($"the search's time budget ({options.SelectionTimeBudget}) was spent"),
                });
                continue;
            }

            var run = new TrainingRun(candidate.RunIdFor(input.RunId)) { MaxEpochsThisCall = input.MaxEpochsThisCall };
            TrainingResult result = await trainer.TrainAsync(dataset, candidate.Options, run, store, validator, progress, cancellationToken).ConfigureAwait(false);
            if (result.Status is TrainingStatus.Running)
            {
                return Unfinished(input, result, candidate.Options.Epochs ?? 0, validator, clock.Elapsed.TotalSeconds);
            }

            LeaderboardEntry entry = EntryOf(candidate, result, validator);
            board.Add(entry);
            spent += entry.Seconds;
        }

        LeaderboardEntry winner = Best(board, validator.HigherIsBetter);
        ModelCandidate chosen = candidates.Single(candidate => candidate.Name == winner.Candidate);
        LogChosen(logger, input.RunId, chosen.Name, winner.Metric, winner.Validation ?? double.NaN, winner.BestEpoch);
        TrainingOptions final = chosen.Options with { Epochs = winner.BestEpoch, EarlyStoppingPatience = 0 };
        await AdoptAsync(chosen.RunIdFor(input.RunId), input.RunId, final, winner.BestEpoch, cancellationToken).ConfigureAwait(false);
        var finalRun = new TrainingRun(input.RunId) { MaxEpochsThisCall = input.MaxEpochsThisCall };
        TrainingResult trained = await trainer.TrainAsync(dataset, final, finalRun, store, validator, progress, cancellationToken).ConfigureAwait(false);
        if (trained.Status is TrainingStatus.Running)
        {
            return Unfinished(input, trained, final.Epochs ?? 0, validator, clock.Elapsed.TotalSeconds);
        }

        IReadOnlyList<LeaderboardEntry> leaderboard = [.. board.Select(entry => entry with { Chosen = entry.Candidate == winner.Candidate })];
        await ModelArtifactJson.WriteAsync(store, ModelArtifactPaths.Leaderboard(input.RunId), leaderboard, cancellationToken).ConfigureAwait(false);
        foreach (ModelCandidate candidate in candidates)
        {
            await store.DeleteUnderAsync(ModelArtifactPaths.Run(candidate.RunIdFor(input.RunId)), cancellationToken).ConfigureAwait(false);
        }

        return new TrainStageOutput(
            input.RunId,
            trained.Epochs.Count,
            final.Epochs ?? 0,
            Finished: true,
            trained.BestEpoch,
            trained.MetricName ?? validator.MetricName,
            trained.BestMetric,
            trained.Device,
            clock.Elapsed.TotalSeconds)
        {
            Leaderboard = leaderboard,
        };
    }

    /// <summary>
    /// Makes <paramref name="runId"/> the finished run of <paramref name="final"/>: the candidate's checkpoint of
    /// <paramref name="bestEpoch"/>, its vocabulary, and its manifest cut at that epoch, the manifest last (so a run
    /// with a manifest has everything). Does nothing when the run already has a manifest (adopted or trained before
    /// an interruption: the trainer then finishes or returns it).
    /// </summary>
    private async Task AdoptAsync(string candidateRunId, string runId, TrainingOptions final, int bestEpoch, CancellationToken cancellationToken)
    {
        if (await TrainedModel.ReadManifestAsync(store, runId, cancellationToken).ConfigureAwait(false) is not null)
        {
            return;
        }

        ModelManifest source = await TrainedModel.ReadFinishedManifestAsync(store, candidateRunId, cancellationToken).ConfigureAwait(false);
        var checkpoints = new ModelCheckpoints(store, candidateRunId);
        CheckpointRecord record = await checkpoints.ReadRecordAsync(bestEpoch, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidModelArtifactException(ModelArtifactPaths.CheckpointRecord(candidateRunId, bestEpoch), "the checkpoint of the best epoch does not exist");
        TrainerState state = record.State with { Status = TrainingStatus.Completed, BestEpoch = bestEpoch, EvaluationsWithoutImprovement = 0 };
        await checkpoints.CopyAsync(record, runId, state, cancellationToken).ConfigureAwait(false);
        ModelVocabulary vocabulary = await TrainedModel.ReadVocabularyAsync(store, source, cancellationToken).ConfigureAwait(false);
        await ModelArtifactJson.WriteAsync(store, ModelArtifactPaths.Vocabulary(runId), vocabulary, cancellationToken).ConfigureAwait(false);
        ModelManifest adopted = source with
        {
            RunId = runId,
            Options = final,
            Status = TrainingStatus.Completed,
            BestEpoch = bestEpoch,
            BestMetric = state.BestMetric,
            Epochs = state.Epochs,
        };
        await ModelArtifactJson.WriteAsync(store, ModelArtifactPaths.Manifest(runId), adopted, cancellationToken).ConfigureAwait(false);
    }

    private static LeaderboardEntry EntryOf(ModelCandidate candidate, TrainingResult result, ITrainingValidator validator)
    {
        EpochRecord? best = result.Epochs.FirstOrDefault(epoch => epoch.Epoch == result.BestEpoch);
        return new LeaderboardEntry(
            candidate.Name,
            candidate.Options.Kind,
            candidate.Settings,
            result.MetricName ?? validator.MetricName,
            result.BestMetric,
            best?.Metrics,
            result.BestEpoch,
            result.Epochs.Count,
            Math.Round(result.Epochs.Sum(epoch => epoch.WallSeconds), 2));
    }

    private static LeaderboardEntry Best(List<LeaderboardEntry> board, bool higherIsBetter)
    {
        IEnumerable<LeaderboardEntry> trained = board.Where(entry => entry.Validation is { } value && double.IsFinite(value));
        LeaderboardEntry? best = higherIsBetter ? trained.MaxBy(entry => entry.Validation) : trained.MinBy(entry => entry.Validation);
        return best ?? throw new InvalidOperationException("No candidate of the automatic model choice produced a finite validation value.");
    }

    private static TrainStageOutput Unfinished(TrainStageInput input, TrainingResult result, int maxEpochs, ITrainingValidator validator, double seconds) =>
        new(input.RunId, result.Epochs.Count, maxEpochs, Finished: false, result.BestEpoch, result.MetricName ?? validator.MetricName, result.BestMetric, result.Device, seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId}: automatic choice picked {Candidate} ({Metric} {Value:F4} on validation at epoch {BestEpoch})")]
    private static partial void LogChosen(ILogger logger, string runId, string candidate, string metric, double value, int bestEpoch);
}
