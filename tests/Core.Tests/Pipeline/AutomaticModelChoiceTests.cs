using Microsoft.Extensions.Logging.Abstractions;
using Recommender.Core.Datasets;
using Recommender.Core.Evaluation;
using Recommender.Core.Models;
using Recommender.Core.Pipeline;
using Recommender.Core.Storage;
using Recommender.Core.Tests.Training;
using Recommender.Core.Training;

namespace Recommender.Core.Tests.Pipeline;

/// <summary>The automatic model choice: candidates on validation, the winner trained under the run's id, resumable in chunks.</summary>
public sealed class AutomaticModelChoiceTests
{
    private static readonly TrainingOptions Options = PlantedData.FastOptions(ModelKind.Auto, epochs: 12) with
    {
        LearningRate = null,
        Regularization = null,
        Device = TrainingDevice.Cpu,
    };

    [Fact]
    public async Task TrainAsync_ImplicitData_PublishesTheCandidateValidationChoseUnderTheRunsId()
    {
        CuratedDataset data = PlantedData.Implicit();
        using var store = new TemporaryStore();

        TrainStageOutput output = await ChooseAsync(data, store.Store, "auto-run", maxEpochsThisCall: 0);

        Assert.True(output.Finished);
        IReadOnlyList<LeaderboardEntry> board = output.Leaderboard!;
        Assert.Equal(["ease", "ials", "softmax"], board.Select(entry => entry.Candidate));
        LeaderboardEntry chosen = Assert.Single(board, entry => entry.Chosen);
        LeaderboardEntry leader = board.MaxBy(entry => entry.Validation)!;
        Assert.True(leader == chosen || leader.Note!.Contains("within the noise", StringComparison.Ordinal), $"{leader.Candidate} led without being chosen or a note");
        ModelManifest manifest = (await TrainedModel.ReadManifestAsync(store.Store, "auto-run", CancellationToken.None))!;
        Assert.Equal(chosen.Kind, manifest.Kind);
        Assert.Equal(chosen.BestEpoch, manifest.Epochs.Count);
        Assert.Equal(chosen.Validation!.Value, output.BestValue!.Value, 6);
        // The candidates' own runs are gone once the winner is trained; the leaderboard stays.
        Assert.Null(await TrainedModel.ReadManifestAsync(store.Store, "auto-run.ease", CancellationToken.None));
        Assert.Null(await TrainedModel.ReadManifestAsync(store.Store, "auto-run.ials", CancellationToken.None));
        Assert.Null(await TrainedModel.ReadManifestAsync(store.Store, "auto-run.softmax", CancellationToken.None));
        Assert.NotNull(await store.Store.GetInfoAsync(ModelArtifactPaths.Leaderboard("auto-run")));
    }

    [Fact]
    public async Task TrainAsync_CalledInChunksOfTwoEpochs_EndsWhereOneCallEnds()
    {
        CuratedDataset data = PlantedData.Implicit();
        using var whole = new TemporaryStore();
        using var chunked = new TemporaryStore();
        TrainStageOutput expected = await ChooseAsync(data, whole.Store, "run", maxEpochsThisCall: 0);

        TrainStageOutput output;
        int calls = 0;
        do
        {
            output = await ChooseAsync(data, chunked.Store, "run", maxEpochsThisCall: 2);
            calls++;
        }
        while (!output.Finished && calls < 100);

        Assert.True(calls > 2);
        Assert.Equal(expected.Leaderboard!.Select(entry => (entry.Candidate, entry.Validation, entry.BestEpoch, entry.Chosen)), output.Leaderboard!.Select(entry => (entry.Candidate, entry.Validation, entry.BestEpoch, entry.Chosen)));
        Assert.Equal(expected.BestValue!.Value, output.BestValue!.Value, 6);
    }

    [Fact]
    public async Task TrainCandidateAsyncThenChooseAsync_CandidatesAloneInAnyOrder_ChooseWhatTrainingInTurnChooses()
    {
        CuratedDataset data = PlantedData.Implicit();
        using var inTurnStore = new TemporaryStore();
        using var fannedOutStore = new TemporaryStore();
        TrainStageOutput inTurn = await ChooseAsync(data, inTurnStore.Store, "run", maxEpochsThisCall: 0);
        var choice = new AutomaticModelChoice(fannedOutStore.Store, new ModelTrainer(), NullLogger.Instance);
        var input = new TrainStageInput("run", data.Version, 5, null, null, MaxEpochsThisCall: 0);
        var validator = new NdcgValidator(data);

        foreach (string candidate in new[] { "softmax", "ials", "ease" })
        {
            TrainStageOutput trained = await choice.TrainCandidateAsync(input, data, Options, validator, candidate, progress: null, CancellationToken.None);
            Assert.Equal(($"run.{candidate}", true), (trained.RunId, trained.Finished));
        }

        TrainStageOutput chosen = await choice.ChooseAsync(input, data, Options, validator, skipped: [], progress: null, CancellationToken.None);
        TrainStageOutput again = await choice.ChooseAsync(input, data, Options, validator, skipped: [], progress: null, CancellationToken.None);

        var expected = inTurn.Leaderboard!.Select(entry => (entry.Candidate, entry.Validation, entry.BestEpoch, entry.Chosen)).ToList();
        Assert.Equal(expected, chosen.Leaderboard!.Select(entry => (entry.Candidate, entry.Validation, entry.BestEpoch, entry.Chosen)));
        Assert.Equal(expected, again.Leaderboard!.Select(entry => (entry.Candidate, entry.Validation, entry.BestEpoch, entry.Chosen)));
        Assert.Null(await TrainedModel.ReadManifestAsync(fannedOutStore.Store, "run.softmax", CancellationToken.None));
    }

    [Fact]
    public async Task TrainCandidateAsync_NameThatIsNoCandidate_ThrowsNamingTheCandidates()
    {
        CuratedDataset data = PlantedData.Implicit();
        using var store = new TemporaryStore();
        var choice = new AutomaticModelChoice(store.Store, new ModelTrainer(), NullLogger.Instance);
        var input = new TrainStageInput("run", data.Version, 5, null, null, MaxEpochsThisCall: 0);

        var error = await Assert.ThrowsAsync<ArgumentException>(() =>
            choice.TrainCandidateAsync(input, data, Options, new NdcgValidator(data), "bpr", progress: null, CancellationToken.None));

        Assert.Contains("no candidate 'bpr'; its candidates are ease, ials, softmax", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true)] // every candidate: the best of EASE, iALS and softmax wins
    [InlineData(false)] // EASE and softmax left out by their catalog caps: iALS wins
    public async Task TrainAsync_Winner_IsTheModelItsOptionsTrainForItsBestEpochs(bool everyCandidate)
    {
        CuratedDataset data = PlantedData.Implicit();
        TrainingOptions options = everyCandidate ? Options : Options with { EaseMaxItems = data.ItemCount - 1, SelectionSoftmaxMaxItems = 0 };
        using var store = new TemporaryStore();
        TrainStageOutput output = await ChooseAsync(data, store.Store, "adopted", maxEpochsThisCall: 0, options);
        LeaderboardEntry winner = Assert.Single(output.Leaderboard!, entry => entry.Chosen);
        ModelCandidate candidate = ModelCandidates.For(options, data).Single(c => c.Name == winner.Candidate);

        using var direct = new TemporaryStore();
        TrainingResult trained = await new ModelTrainer().TrainAsync(
            data, candidate.Options with { Epochs = winner.BestEpoch, EarlyStoppingPatience = 0 }, new TrainingRun("direct"), direct.Store, new NdcgValidator(data));
        TrainedModel adopted = await TrainedModel.LoadAsync(store.Store, "adopted");

        Assert.Equal(trained.Factors.UserFactors, adopted.Factors.UserFactors);
        Assert.Equal(trained.Factors.ItemFactors, adopted.Factors.ItemFactors);
        Assert.Equal(trained.Epochs.Select(epoch => epoch.Metric), adopted.Manifest.Epochs.Select(epoch => epoch.Metric));
        Assert.Equal((TrainingStatus.Completed, winner.BestEpoch), (adopted.Manifest.Status, adopted.Manifest.BestEpoch));
    }

    [Fact]
    public async Task TrainAsync_CatalogOverTheEaseAndSoftmaxCaps_TrainsIalsAlone()
    {
        CuratedDataset data = PlantedData.Implicit();
        using var store = new TemporaryStore();

        TrainStageOutput output = await ChooseAsync(data, store.Store, "no-ease", maxEpochsThisCall: 0, Options with { EaseMaxItems = data.ItemCount - 1, SelectionSoftmaxMaxItems = data.ItemCount - 1 });

        Assert.Equal("ials", Assert.Single(output.Leaderboard!).Candidate);
    }

    [Fact]
    public async Task TrainAsync_RankingValidation_OffersTheBestBlendOfTheCandidatesLast()
    {
        CuratedDataset data = PlantedData.Implicit();
        using var store = new TemporaryStore();
        var choice = new AutomaticModelChoice(store.Store, new ModelTrainer(), NullLogger.Instance);
        var input = new TrainStageInput("blended", data.Version, 5, null, null, MaxEpochsThisCall: 0);

        TrainStageOutput output = await choice.TrainAsync(input, data, Options, new RankingValidator(data, 5), progress: null, CancellationToken.None);

        IReadOnlyList<LeaderboardEntry> board = output.Leaderboard!;
        Assert.Equal(["ease", "ials", "softmax", "blend"], board.Select(entry => entry.Candidate));
        LeaderboardEntry blend = board[^1];
        Assert.Equal(ModelKind.Blend, blend.Kind);
        Assert.All(board.SkipLast(1), entry => Assert.True(blend.Validation > entry.Validation, $"the blend ({blend.Validation}) does not lead {entry.Candidate} ({entry.Validation})"));
        Assert.Equal(1.0, blend.Parts!.Sum(part => part.Weight), 6);
        Assert.Contains("softmax", blend.Parts!.Select(part => part.Name));
        Assert.All(blend.Parts!, part => Assert.Contains(part.Name, board.Select(entry => entry.Candidate)));
        LeaderboardEntry chosen = Assert.Single(board, entry => entry.Chosen);
        ModelManifest manifest = (await TrainedModel.ReadManifestAsync(store.Store, "blended", CancellationToken.None))!;
        Assert.Equal(chosen.Kind, manifest.Kind);
        Assert.Equal(chosen.Validation!.Value, manifest.BestMetric!.Value, 6);
    }

    [Fact]
    public void ChooseAboveNoise_LaterCandidateAheadWithinTwiceTheStandardError_KeepsTheEarlierOneAndSaysWhy()
    {
        // Per-user differences alternate +0.101 and −0.099: a mean lead of 0.001 with a standard error of 0.01.
        double[] first = Enumerable.Repeat(0.5, 100).ToArray();
        double[] second = first.Select((value, user) => value + (user % 2 == 0 ? 0.101 : -0.099)).ToArray();

        (int winner, string? note) = AutomaticModelChoice.ChooseAboveNoise([Entry("ease", 0.5), Entry("softmax", 0.501)], [first, second], higherIsBetter: true);

        Assert.Equal(0, winner);
        Assert.Equal("0.0010 ahead of ease, within the noise (2 SE = 0.0201)", note);
    }

    [Fact]
    public void ChooseAboveNoise_LaterCandidateAheadByMoreThanTheNoise_WinsWithoutANote()
    {
        double[] first = Enumerable.Repeat(0.5, 100).ToArray();
        double[] second = first.Select((value, user) => value + (user % 2 == 0 ? 0.15 : -0.05)).ToArray();

        (int winner, string? note) = AutomaticModelChoice.ChooseAboveNoise([Entry("ease", 0.5), Entry("softmax", 0.55)], [first, second], higherIsBetter: true);

        Assert.Equal((1, null), (winner, note));
    }

    [Fact]
    public void ChooseAboveNoise_UntrainedFirstAndNoPerUserValues_TheBestTrainedValueWins()
    {
        LeaderboardEntry skipped = Entry("ease", null);

        (int winner, string? note) = AutomaticModelChoice.ChooseAboveNoise([skipped, Entry("ials", 0.30), Entry("softmax", 0.3001)], [null, null, null], higherIsBetter: true);

        Assert.Equal((2, null), (winner, note));
    }

    private static LeaderboardEntry Entry(string candidate, double? validation) =>
        new(candidate, ModelKind.Auto, string.Empty, "ndcg@10", validation, null, 1, 1, 0);

    private static Task<TrainStageOutput> ChooseAsync(CuratedDataset data, IArtifactStore store, string runId, int maxEpochsThisCall, TrainingOptions? options = null)
    {
        var choice = new AutomaticModelChoice(store, new ModelTrainer(), NullLogger.Instance);
        var input = new TrainStageInput(runId, data.Version, 5, null, null, maxEpochsThisCall);
        return choice.TrainAsync(input, data, options ?? Options, new NdcgValidator(data), progress: null, CancellationToken.None);
    }
}
