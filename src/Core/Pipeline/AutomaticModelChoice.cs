using System.Globalization;
using Microsoft.Extensions.Logging;
using Recommender.Core.Datasets;
using Recommender.Core.Evaluation;
using Recommender.Core.Models;
using Recommender.Core.Storage;
using Recommender.Core.Training;

namespace Recommender.Core.Pipeline;

/// <summary>
/// The train stage when the model kind is automatic on implicit feedback: each candidate
/// (<see cref="ModelCandidates.For(TrainingOptions, CuratedDataset)"/>) trains as a run of its own (<c>{runId}.{candidate}</c>) with early
/// stopping on the validation part; with ranking validation the best blend of the trained candidates
/// (<see cref="BlendSearch"/>) joins them last; the best validation value wins unless its lead is within the noise
/// (<see cref="ChooseAboveNoise"/>), and the run itself becomes the winner
/// trained with its options for its best number of epochs: the winner's checkpoint of that epoch is exactly
/// that model (same data, options and seed give the same epochs), so it is copied under the run's id rather
/// than trained again (a blend's parts are copied so, and the blend made from them). Only the validation part decides: nothing here looks at data the
/// evaluation holds out later. Every step resumes from checkpoints, so a call that trains a bounded number
/// of epochs (<see cref="TrainStageInput.MaxEpochsThisCall"/>) returns unfinished and the next call goes on.
/// Candidates left when the search's time budget is spent are skipped and shown as such.
/// </summary>
internal sealed partial class AutomaticModelChoice(IArtifactStore store, ModelTrainer trainer, ILogger logger)
{
    private const long MaxLeaderboardBytes = 1 << 20;

    /// <summary>
    /// Runs (or continues) the whole choice in turn: each candidate to the end, then the choice. What the
    /// CLI and a training job do; the Functions app trains the candidates as parallel activities instead
    /// (<see cref="TrainCandidateAsync"/>) and then calls <see cref="ChooseAsync"/>.
    /// </summary>
    public async Task<TrainStageOutput> TrainAsync(
        TrainStageInput input,
        CuratedDataset dataset,
        TrainingOptions options,
        ITrainingValidator validator,
        IProgress<TrainingProgress>? progress,
        CancellationToken cancellationToken)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var skipped = new List<string>();
        if (!await ChosenAsync(input.RunId, cancellationToken).ConfigureAwait(false))
        {
            double spent = 0;
            bool anyTrained = false;
            foreach (ModelCandidate candidate in ModelCandidates.For(options, dataset))
            {
                if (spent >= options.SelectionTimeBudget.TotalSeconds && anyTrained)
                {
                    skipped.Add(candidate.Name);
                    continue;
                }

                TrainingResult result = await TrainCandidateRunAsync(input, dataset, candidate, validator, progress, cancellationToken).ConfigureAwait(false);
                if (result.Status is TrainingStatus.Running)
                {
                    return TrainStageOutput.Of(input.RunId, result, candidate.Options.Epochs ?? 0, validator.MetricName, clock.Elapsed.TotalSeconds);
                }

                anyTrained |= result.BestMetric is { } value && double.IsFinite(value);
                spent += result.Epochs.Sum(epoch => epoch.WallSeconds);
            }
        }

        return await ChooseAsync(input, dataset, options, validator, skipped, progress, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Trains (or continues) one candidate, <paramref name="name"/>, as its own run <c>{runId}.{name}</c>, up to
    /// <see cref="TrainStageInput.MaxEpochsThisCall"/> epochs; the output describes that run.
    /// </summary>
    /// <exception cref="ArgumentException">No candidate of this dataset and these options has that name.</exception>
    public async Task<TrainStageOutput> TrainCandidateAsync(
        TrainStageInput input,
        CuratedDataset dataset,
        TrainingOptions options,
        ITrainingValidator validator,
        string name,
        IProgress<TrainingProgress>? progress,
        CancellationToken cancellationToken)
    {
        IReadOnlyList<ModelCandidate> candidates = ModelCandidates.For(options, dataset);
        ModelCandidate candidate = candidates.FirstOrDefault(c => c.Name == name)
            ?? throw new ArgumentException($"Run '{input.RunId}' has no candidate '{name}'; its candidates are {string.Join(", ", candidates.Select(c => c.Name))}.", nameof(name));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        TrainingResult result = await TrainCandidateRunAsync(input, dataset, candidate, validator, progress, cancellationToken).ConfigureAwait(false);
        return TrainStageOutput.Of(result.RunId, result, candidate.Options.Epochs ?? 0, validator.MetricName, clock.Elapsed.TotalSeconds) with
        {
            ResumedFromEpoch = result.ResumedFromEpoch,
        };
    }

    /// <summary>
    /// Chooses among the trained candidates (those in <paramref name="skipped"/> were not trained), makes the
    /// winner the run's model and writes the leaderboard; then deletes the candidates' runs. Once the
    /// leaderboard is written, a call again returns the same choice.
    /// </summary>
    /// <exception cref="InvalidModelArtifactException">A candidate not skipped has not finished.</exception>
    public async Task<TrainStageOutput> ChooseAsync(
        TrainStageInput input,
        CuratedDataset dataset,
        TrainingOptions options,
        ITrainingValidator validator,
        IReadOnlyCollection<string> skipped,
        IProgress<TrainingProgress>? progress,
        CancellationToken cancellationToken)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        IReadOnlyList<ModelCandidate> candidates = ModelCandidates.For(options, dataset);
        IReadOnlyList<LeaderboardEntry>? leaderboard = await ModelArtifactJson.ReadAsync<List<LeaderboardEntry>>(
            store, ModelArtifactPaths.Leaderboard(input.RunId), MaxLeaderboardBytes, cancellationToken).ConfigureAwait(false);
        if (leaderboard is null)
        {
            var board = new List<LeaderboardEntry>();
            foreach (ModelCandidate candidate in candidates)
            {
                board.Add(skipped.Contains(candidate.Name)
                    ? new LeaderboardEntry(candidate.Name, candidate.Options.Kind, candidate.Settings, validator.MetricName, null, null, 0, 0, 0)
                    {
                        Skipped = FormattableString.Invariant($"the search's time budget ({options.SelectionTimeBudget}) was spent"),
                    }
                    : EntryOf(candidate, await TrainedModel.ReadFinishedManifestAsync(store, candidate.RunIdFor(input.RunId), cancellationToken).ConfigureAwait(false), validator));
            }

            RankingValidator? ranking = validator as RankingValidator;
            IReadOnlyList<FactorSnapshot?>? loaded = ranking is null ? null : await LoadIfBlendableAsync(input.RunId, dataset, candidates, board, cancellationToken).ConfigureAwait(false);
            IReadOnlyList<double[]?> byUser = loaded is null
                ? await NdcgByUserAsync(input.RunId, candidates, board, validator, cancellationToken).ConfigureAwait(false)
                : [.. loaded.Select(factors => factors is null ? null : ranking!.NdcgByUser(factors, cancellationToken))];
            if (loaded is not null && SearchBlend(candidates, board, loaded, byUser, ranking!, cancellationToken) is { } blend)
            {
                board.Add(blend.Entry);
                byUser = [.. byUser, blend.ByUser];
            }

            (int winnerIndex, string? note) = ChooseAboveNoise(board, byUser, validator.HigherIsBetter);
            LeaderboardEntry winner = board[winnerIndex];
            LogChosen(logger, input.RunId, winner.Candidate, winner.Metric, winner.Validation ?? double.NaN, winner.BestEpoch);
            if (winner.Parts is { } parts)
            {
                // The blend is made from its parts' runs when the run trains below; each is the candidate's best epoch.
                foreach (BlendPart part in parts)
                {
                    int index = candidates.ToList().FindIndex(candidate => candidate.Name == part.Name);
                    await AdoptAsync(candidates[index].RunIdFor(input.RunId), TrainingRun.BlendPartRunId(input.RunId, part.Name), part.Options, board[index].BestEpoch, cancellationToken).ConfigureAwait(false);
                }
            }
            else
            {
                await AdoptAsync(candidates[winnerIndex].RunIdFor(input.RunId), input.RunId, FinalOptions(candidates[winnerIndex], winner), winner.BestEpoch, cancellationToken).ConfigureAwait(false);
            }

            int leader = LeaderIndex(board, validator.HigherIsBetter);
            leaderboard = [.. board.Select((entry, index) => entry with
            {
                Chosen = index == winnerIndex,
                Note = index == leader ? note : null,
            })];
            await ModelArtifactJson.WriteAsync(store, ModelArtifactPaths.Leaderboard(input.RunId), leaderboard, cancellationToken).ConfigureAwait(false);
        }

        foreach (ModelCandidate candidate in candidates)
        {
            await store.DeleteUnderAsync(ModelArtifactPaths.Run(candidate.RunIdFor(input.RunId)), cancellationToken).ConfigureAwait(false);
        }

        // The adopted run is finished, and this loads its model and returns; a blend is made from its adopted parts.
        LeaderboardEntry chosen = leaderboard.Single(entry => entry.Chosen);
        TrainingOptions final = chosen.Parts is { } chosenParts
            ? BlendOptions(options, chosenParts)
            : FinalOptions(candidates.Single(candidate => candidate.Name == chosen.Candidate), chosen);
        TrainingResult trained = await trainer.TrainAsync(dataset, final, new TrainingRun(input.RunId), store, validator, TrainingProgress.Of(chosen.Candidate, progress), cancellationToken).ConfigureAwait(false);
        return TrainStageOutput.Of(input.RunId, trained, final.Epochs ?? 0, validator.MetricName, clock.Elapsed.TotalSeconds) with
        {
            Leaderboard = leaderboard,
        };
    }

    /// <summary>The winner's options, trained for its best number of epochs: what the adopted checkpoint is.</summary>
    private static TrainingOptions FinalOptions(ModelCandidate candidate, LeaderboardEntry entry) =>
        candidate.Options with { Epochs = entry.BestEpoch, EarlyStoppingPatience = 0 };

    /// <summary>The options of a blend of <paramref name="parts"/> in a run of <paramref name="options"/>.</summary>
    private static TrainingOptions BlendOptions(TrainingOptions options, IReadOnlyList<BlendPart> parts) =>
        (options with { Kind = ModelKind.Blend, LearningRate = null, Regularization = null, Epochs = null, EarlyStoppingPatience = null, BlendParts = parts }).Resolve(isExplicit: false);

    /// <summary>
    /// Each candidate's factors at its best epoch (null for one not trained), when a blend of the trained ones can be
    /// searched: scoring it is cheap enough (<see cref="BlendSearch.IsAffordable"/>).
    /// </summary>
    private async Task<IReadOnlyList<FactorSnapshot?>?> LoadIfBlendableAsync(
        string runId, CuratedDataset dataset, IReadOnlyList<ModelCandidate> candidates, IReadOnlyList<LeaderboardEntry> board, CancellationToken cancellationToken)
    {
        bool[] trained = [.. board.Select(entry => entry.Validation is { } value && double.IsFinite(value))];
        int[] dimensions = [.. candidates.Where((_, index) => trained[index]).Select(candidate => ModelShape.ScoringWidthOf(candidate.Options, dataset.ItemCount))];
        if (!BlendSearch.IsAffordable(dataset.UserCount, dataset.ItemCount, dimensions))
        {
            return null;
        }

        var factors = new FactorSnapshot?[board.Count];
        for (int index = 0; index < board.Count; index++)
        {
            if (trained[index])
            {
                factors[index] = (await TrainedModel.LoadAsync(store, candidates[index].RunIdFor(runId), cancellationToken).ConfigureAwait(false)).Factors;
            }
        }

        return factors;
    }

    /// <summary>The leaderboard row of the best blend of the trained candidates, with its per-user values; null when no blend beats them.</summary>
    private static (LeaderboardEntry Entry, double[] ByUser)? SearchBlend(
        IReadOnlyList<ModelCandidate> candidates, IReadOnlyList<LeaderboardEntry> board, IReadOnlyList<FactorSnapshot?> factors, IReadOnlyList<double[]?> byUser, RankingValidator validator, CancellationToken cancellationToken)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        if (BlendSearch.Search(factors, byUser, validator, cancellationToken) is not { } found)
        {
            return null;
        }

        BlendPart[] parts = [.. found.Parts.Select((index, position) => new BlendPart(candidates[index].Name, FinalOptions(candidates[index], board[index]), found.Weights[position]))];
        string settings = string.Join(" + ", parts.Select(part => string.Create(CultureInfo.InvariantCulture, $"{part.Weight:0.###}·{part.Name}")));
        var entry = new LeaderboardEntry(ModelCandidates.BlendName, ModelKind.Blend, settings, validator.MetricName, found.Metrics.Ndcg, found.Metrics.ToDictionary(), 1, 1, Math.Round(clock.Elapsed.TotalSeconds, 2))
        {
            Parts = parts,
        };
        return (entry, found.ByUser);
    }

    private Task<TrainingResult> TrainCandidateRunAsync(
        TrainStageInput input, CuratedDataset dataset, ModelCandidate candidate, ITrainingValidator validator, IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        var run = new TrainingRun(candidate.RunIdFor(input.RunId)) { MaxEpochsThisCall = input.MaxEpochsThisCall };
        return trainer.TrainAsync(dataset, candidate.Options, run, store, validator, TrainingProgress.Of(candidate.Name, progress), cancellationToken);
    }

    private async Task<bool> ChosenAsync(string runId, CancellationToken cancellationToken) =>
        await store.GetInfoAsync(ModelArtifactPaths.Leaderboard(runId), cancellationToken).ConfigureAwait(false) is not null;

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

    private static LeaderboardEntry EntryOf(ModelCandidate candidate, ModelManifest manifest, ITrainingValidator validator)
    {
        EpochRecord? best = manifest.Epochs.FirstOrDefault(epoch => epoch.Epoch == manifest.BestEpoch);
        return new LeaderboardEntry(
            candidate.Name,
            candidate.Options.Kind,
            candidate.Settings,
            manifest.MetricName ?? validator.MetricName,
            manifest.BestMetric,
            best?.Metrics,
            manifest.BestEpoch,
            manifest.Epochs.Count,
            Math.Round(manifest.Epochs.Sum(epoch => epoch.WallSeconds), 2));
    }

    /// <summary>
    /// The candidate to publish and, when it is not the one with the best validation value, why. Candidates are
    /// taken in the listed order (closed forms first: deterministic, and fitted again exactly), and a later one
    /// replaces the one held only when its lead is more than twice the standard error of the users' paired
    /// differences (<paramref name="byUser"/>: each user's validation value per candidate). A model picked as
    /// the best of many noisy epochs otherwise wins ties it only reached by chance: on MovieLens 100K softmax
    /// led EASE by 0.001 on validation and trailed it by 0.016 on the held-out test. Without per-user values
    /// the best value wins outright.
    /// </summary>
    internal static (int Winner, string? Note) ChooseAboveNoise(IReadOnlyList<LeaderboardEntry> board, IReadOnlyList<double[]?> byUser, bool higherIsBetter)
    {
        int held = -1;
        for (int index = 0; index < board.Count; index++)
        {
            if (board[index].Validation is not { } value || !double.IsFinite(value))
            {
                continue;
            }

            if (held < 0)
            {
                held = index;
                continue;
            }

            double lead = (higherIsBetter ? 1 : -1) * (value - board[held].Validation!.Value);
            double margin = 2 * PairedStandardError(byUser[index], byUser[held]);
            if (lead > margin)
            {
                held = index;
            }
        }

        if (held < 0)
        {
            throw new InvalidOperationException("No candidate of the automatic model choice produced a finite validation value.");
        }

        int leader = LeaderIndex(board, higherIsBetter);
        string? note = leader == held ? null : FormattableString.Invariant(
            $"{Math.Abs(board[leader].Validation!.Value - board[held].Validation!.Value):F4} ahead of {board[held].Candidate}, within the noise (2 SE = {2 * PairedStandardError(byUser[leader], byUser[held]):F4})");
        return (held, note);
    }

    /// <summary>
    /// Each trained candidate's per-user validation values, read from its best model, when the choice needs
    /// them: only when a candidate other than the first trained one leads (else the first is kept whatever
    /// the noise, and a catalog-wide scoring per candidate is saved).
    /// </summary>
    private async Task<IReadOnlyList<double[]?>> NdcgByUserAsync(
        string runId, IReadOnlyList<ModelCandidate> candidates, IReadOnlyList<LeaderboardEntry> board, ITrainingValidator validator, CancellationToken cancellationToken)
    {
        var values = new double[]?[board.Count];
        int firstTrained = board.ToList().FindIndex(entry => entry.Validation is { } value && double.IsFinite(value));
        if (validator is not RankingValidator ranking || LeaderIndex(board, validator.HigherIsBetter) == firstTrained)
        {
            return values;
        }

        for (int index = 0; index < board.Count; index++)
        {
            if (board[index].Validation is { } value && double.IsFinite(value))
            {
                TrainedModel model = await TrainedModel.LoadAsync(store, candidates[index].RunIdFor(runId), cancellationToken).ConfigureAwait(false);
                values[index] = ranking.NdcgByUser(model.Factors, cancellationToken);
            }
        }

        return values;
    }

    /// <summary>Standard error of the mean of the per-user differences, over users both have a value for; 0 without values.</summary>
    private static double PairedStandardError(double[]? first, double[]? second)
    {
        if (first is null || second is null || first.Length != second.Length)
        {
            return 0;
        }

        double sum = 0;
        double squares = 0;
        int users = 0;
        for (int user = 0; user < first.Length; user++)
        {
            double difference = first[user] - second[user];
            if (double.IsFinite(difference))
            {
                users++;
                sum += difference;
                squares += difference * difference;
            }
        }

        if (users < 2)
        {
            return 0;
        }

        double mean = sum / users;
        double variance = Math.Max(0, (squares - (users * mean * mean)) / (users - 1));
        return Math.Sqrt(variance / users);
    }

    /// <summary>Index of the trained candidate with the best validation value (the first of equals).</summary>
    private static int LeaderIndex(IReadOnlyList<LeaderboardEntry> board, bool higherIsBetter)
    {
        int leader = -1;
        for (int index = 0; index < board.Count; index++)
        {
            if (board[index].Validation is { } value && double.IsFinite(value)
                && (leader < 0 || (higherIsBetter ? value > board[leader].Validation : value < board[leader].Validation)))
            {
                leader = index;
            }
        }

        return leader;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId}: automatic choice picked {Candidate} ({Metric} {Value:F4} on validation at epoch {BestEpoch})")]
    private static partial void LogChosen(ILogger logger, string runId, string candidate, string metric, double value, int bestEpoch);
}
