using System.Text.Json;
using Microsoft.Extensions.Options;
using Recommender.Core.Datasets;
using Recommender.Core.Demo;
using Recommender.Core.Ingestion;
using Recommender.Core.Lookup;
using Recommender.Core.Models;
using Recommender.Core.Pipeline;
using Recommender.Core.Preprocessing;
using Recommender.Core.Scoring;
using Recommender.Core.Storage;
using Recommender.Core.Tests.TestSupport;
using Recommender.Core.Tests.Training;
using Recommender.Core.Training;

namespace Recommender.Core.Tests.Pipeline;

/// <summary>
/// The refit: after the gate passes on the model trained on train only, the same options and seed train
/// again on train + validation for the chosen epoch count (softmax: on from its best epoch, for fewer), and
/// that model is scored and published.
/// </summary>
public sealed class RefitTests : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _folder = new();
    private string _log = null!;

    public async Task InitializeAsync()
    {
        _log = _folder.Combine("logs", "log.parquet");
        await using FileStream output = File.Create(_log);
        await SyntheticInteractionLog.WriteAsync(output, new SyntheticLogOptions { Users = 200, Items = 80, Clusters = 4, MeanPerUser = 15, Seed = 7 });
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task RunAsync_RefitOn_PublishesTheRefitTrainedOnTrainAndValidationForTheBestEpochCount()
    {
        using Pipeline pipeline = CreatePipeline(refit: true);

        (PipelineOutcome outcome, ModelManifest gated, ModelManifest refit) = await pipeline.RunAndReadRefitAsync("with-refit");

        Assert.Equal(new RefitPlan("with-refit.refit", gated.BestEpoch), outcome.Evaluation!.Refit);
        Assert.Equal("with-refit", refit.RefitOf);
        Assert.Equal(gated.BestEpoch, refit.Epochs.Count);
        Assert.Equal(TrainingStatus.Completed, refit.Status);
        Assert.Null(refit.MetricName);
        Assert.Equal((gated.Options.Seed, gated.Options.LearningRate, gated.Kind), (refit.Options.Seed, refit.Options.LearningRate, refit.Kind));
        Assert.Equal(await ItemFactorsOfAsync(pipeline.Store, "with-refit.refit"), await BundleItemFactorsAsync(pipeline.Store, "with-refit"));
        Assert.NotEqual(await ItemFactorsOfAsync(pipeline.Store, "with-refit"), await BundleItemFactorsAsync(pipeline.Store, "with-refit"));
    }

    [Fact]
    public async Task RunAsync_EaseRefitOn_FitsOnceAtTheRegularizationOfTheBestEpoch()
    {
        using Pipeline pipeline = CreatePipeline(refit: true, kind: ModelKind.Ease);

        (PipelineOutcome outcome, ModelManifest gated, ModelManifest refit) = await pipeline.RunAndReadRefitAsync("ease");

        double chosen = gated.Options.Regularization!.Value * Math.Pow(2, gated.BestEpoch - 1);
        Assert.Equal(new RefitPlan("ease.refit", 1, chosen), outcome.Evaluation!.Refit);
        Assert.Equal((1, chosen, TrainingStatus.Completed), (refit.Epochs.Count, refit.Options.Regularization!.Value, refit.Status));
        Assert.Equal(await ItemFactorsOfAsync(pipeline.Store, "ease.refit"), await BundleItemFactorsAsync(pipeline.Store, "ease"));
    }

    [Fact]
    public async Task RunAsync_SoftmaxRefitOn_ContinuesFromTheBestEpochsWeightsForAQuarterOfItsEpochs()
    {
        using Pipeline pipeline = CreatePipeline(refit: true, kind: ModelKind.Softmax);

        (PipelineOutcome outcome, ModelManifest gated, ModelManifest refit) = await pipeline.RunAndReadRefitAsync("softmax");

        int continued = ModelRefit.ContinuedEpochs(gated.BestEpoch);
        Assert.Equal(new RefitPlan("softmax.refit", continued, FromSourceWeights: true), outcome.Evaluation!.Refit);
        Assert.Equal((continued, TrainingStatus.Completed), (refit.Epochs.Count, refit.Status));
        Assert.Equal(new WarmStartRecord("softmax", gated.BestEpoch, gated.UserCount, gated.ItemCount), refit.WarmStart);
        Assert.Equal(await ItemFactorsOfAsync(pipeline.Store, "softmax.refit"), await BundleItemFactorsAsync(pipeline.Store, "softmax"));
    }

    [Fact]
    public async Task RunAsync_RunThatWarmStartedFromTheLiveModel_RefitStartsFromItToo()
    {
        using Pipeline pipeline = CreatePipeline(refit: true);
        await pipeline.RunAndReadRefitAsync("first");

        (_, ModelManifest gated, ModelManifest refit) = await pipeline.RunAndReadRefitAsync("second");

        // The refit trains for the epochs that validation chose for a run that started from "first".
        Assert.Equal("first", gated.WarmStart?.RunId);
        Assert.Equal(gated.WarmStart, refit.WarmStart);
        Assert.Equal(gated.BestEpoch, refit.Epochs.Count);
    }

    [Fact]
    public async Task PrepareAsync_RunWhoseWarmStartIsGone_RefitStartsFromTheRunItself()
    {
        using Pipeline pipeline = CreatePipeline(refit: true);
        await pipeline.RunAndReadRefitAsync("first");
        (_, ModelManifest gated, _) = await pipeline.RunAndReadRefitAsync("second");
        await pipeline.Store.DeleteUnderAsync(ModelArtifactPaths.Run("first"));
        CuratedDataset data = await new CuratedDatasetReader(pipeline.Store).ReadAsync(gated.DatasetVersion);

        (_, _, TrainingRun run) = await ModelRefit.PrepareAsync(pipeline.Store, data, "second", maxEpochsThisCall: 0);

        Assert.Equal("second", run.WarmStartRunId);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 3)]
    [InlineData(12, 3)]
    [InlineData(13, 4)]
    [InlineData(30, 8)]
    public void ContinuedEpochs_OfTheBestEpoch_IsAQuarterOfItAtLeastThreeAndAtMostItself(int bestEpoch, int continued) =>
        Assert.Equal(continued, ModelRefit.ContinuedEpochs(bestEpoch));

    [Fact]
    public void Training_OfEachPlan_SaysWhatTheRefitTrains()
    {
        Assert.Equal("3 epochs", new RefitPlan("r.refit", 3).Training);
        Assert.Equal("3 epochs on from the best epoch", new RefitPlan("r.refit", 3, FromSourceWeights: true).Training);
        Assert.Equal("one fit at λ=400", new RefitPlan("r.refit", 1, 400).Training);
        Assert.Equal("each of the blend's 3 parts", new RefitPlan("r.refit", 1, BlendParts: 3).Training);
    }

    [Fact]
    public async Task RunAsync_AutoOnImplicitData_ChoosesAmongCandidatesOnValidationAndRefitsTheWinner()
    {
        using Pipeline pipeline = CreatePipeline(refit: true, kind: ModelKind.Auto);

        (PipelineOutcome outcome, ModelManifest gated, ModelManifest refit) = await pipeline.RunAndReadRefitAsync("auto");

        IReadOnlyList<LeaderboardEntry> board = outcome.Leaderboard!;
        Assert.Equal(["ease", "ials", "softmax", "blend"], board.Select(entry => entry.Candidate));
        LeaderboardEntry chosen = Assert.Single(board, entry => entry.Chosen);
        Assert.Equal((chosen.Kind, chosen.Kind), (gated.Kind, refit.Kind));
        Assert.Equal(chosen.Parts?.Select(part => part.Name), refit.Options.BlendParts?.Select(part => part.Name));
    }

    [Fact]
    public async Task RunAsync_BlendTheGateRejects_KeepsTheRunButDropsThePartRunKeptForItsRefit()
    {
        BlendPart[] parts = [BlendTrainingTests.Ease, BlendTrainingTests.Softmax];
        using var pipeline = new Pipeline(_folder.Combine("store", "x"), _log, new TrainingOptions { Kind = ModelKind.Blend, Device = TrainingDevice.Cpu, BlendParts = parts });

        PipelineOutcome outcome = await pipeline.RunAsync("rejected", minNdcgVersusPopularity: 100);

        Assert.False(outcome.Evaluation!.Passed);
        Assert.Equal(ModelKind.Blend, (await TrainedModel.ReadManifestAsync(pipeline.Store, "rejected", CancellationToken.None))?.Kind);
        Assert.Empty(await pipeline.Store.ListAsync("models/rejected.part-").ToListAsync());
        Assert.Empty(await pipeline.Store.ListAsync("models/rejected.refit/").ToListAsync());
    }

    [Fact]
    public async Task RunAsync_RefitOn_GateAndReportJudgeTheModelTrainedOnTrainOnly()
    {
        using Pipeline pipeline = CreatePipeline(refit: true);

        PipelineOutcome outcome = await pipeline.RunAsync("judged");

        ModelEvaluation beforeRefit = await pipeline.Stages.Evaluate.EvaluateModelAsync("judged", outcome.DatasetVersion!, null, 10);
        Assert.Equal(beforeRefit.Model["ndcg@10"], outcome.Evaluation!.Model["ndcg@10"]);
        string report = await ReadTextAsync(pipeline.Store, "models/judged/report.md");
        Assert.Contains("trained again on train + validation", report, StringComparison.Ordinal);
        using JsonDocument evaluation = JsonDocument.Parse(await ReadTextAsync(pipeline.Store, PipelinePaths.Evaluation("judged")));
        Assert.Equal("judged.refit", evaluation.RootElement.GetProperty("refit").GetProperty("runId").GetString());
    }

    [Fact]
    public async Task RunAsync_RefitOff_PublishesTheModelTrainedOnTrainOnly()
    {
        using Pipeline pipeline = CreatePipeline(refit: false);

        PipelineOutcome outcome = await pipeline.RunAsync("no-refit");

        Assert.Equal(RunResults.Published, outcome.Result);
        Assert.Null(outcome.Evaluation!.Refit);
        Assert.Null(await TrainedModel.ReadManifestAsync(pipeline.Store, "no-refit.refit", CancellationToken.None));
        Assert.Equal(await ItemFactorsOfAsync(pipeline.Store, "no-refit"), await BundleItemFactorsAsync(pipeline.Store, "no-refit"));
    }

    [Fact]
    public async Task TrainAsync_RefitInChunksThenAgain_ResumesAndEndsLikeOneCall()
    {
        using Pipeline chunked = CreatePipeline(refit: true);
        using Pipeline whole = CreatePipeline(refit: true, folder: "other");
        string version = await chunked.TrainGatedAsync("chunks");
        await whole.TrainGatedAsync("chunks");
        var refit = new TrainStageInput("chunks.refit", version, 10, null, null, MaxEpochsThisCall: 1) { RefitOf = "chunks" };

        TrainStageOutput first = await chunked.Stages.Train.RunAsync(refit);
        TrainStageOutput last = first;
        while (!last.Finished)
        {
            last = await chunked.Stages.Train.RunAsync(refit);
        }

        TrainStageOutput again = await chunked.Stages.Train.RunAsync(refit);
        await whole.Stages.Train.RunAsync(refit with { MaxEpochsThisCall = 0 });
        Assert.Equal(1, first.EpochsDone);
        Assert.Equal(last.MaxEpochs, last.EpochsDone);
        Assert.Equal(last.EpochsDone, again.EpochsDone);
        Assert.Equal(await ItemFactorsOfAsync(whole.Store, "chunks.refit"), await ItemFactorsOfAsync(chunked.Store, "chunks.refit"));
    }

    [Fact]
    public async Task TrainAsync_RefitUnderAnotherRunId_ThrowsNamingTheExpectedOne()
    {
        using Pipeline pipeline = CreatePipeline(refit: true);
        string version = await pipeline.TrainGatedAsync("source");

        var error = await Assert.ThrowsAsync<ArgumentException>(() =>
            pipeline.Stages.Train.RunAsync(new TrainStageInput("elsewhere", version, 10, null, null, 0) { RefitOf = "source" }));

        Assert.Contains("'source.refit'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TrainAsync_RefitOfARunThatIsNotThere_ThrowsNotFound()
    {
        using Pipeline pipeline = CreatePipeline(refit: true);
        string version = await pipeline.TrainGatedAsync("present");

        await Assert.ThrowsAsync<ArtifactNotFoundException>(() =>
            pipeline.Stages.Train.RunAsync(new TrainStageInput("absent.refit", version, 10, null, null, 0) { RefitOf = "absent" }));
    }

    [Fact]
    public void WithValidationInTrain_Dataset_TrainsOnEveryInteractionAndHoldsNoneOut()
    {
        CuratedDataset data = PlantedData.Implicit();

        CuratedDataset all = ModelRefit.WithValidationInTrain(data);

        Assert.Equal(data.Train.Count + data.Validation.Count, all.Train.Count);
        Assert.Equal(data.Train.Users.Concat(data.Validation.Users), all.Train.Users);
        Assert.Equal(data.Train.Items.Concat(data.Validation.Items), all.Train.Items);
        Assert.Equal(0, all.Validation.Count);
        Assert.Equal((data.Version, data.UserIds, data.ItemIds), (all.Version, all.UserIds, all.ItemIds));
    }

    private Pipeline CreatePipeline(bool refit, string folder = "store", ModelKind kind = ModelKind.Bpr) => new(_folder.Combine(folder, "x"), _log, refit, kind);

    private static async Task<float[]> ItemFactorsOfAsync(IArtifactStore store, string runId) =>
        (await TrainedModel.LoadAsync(store, runId)).Factors.ItemFactors;

    private static async Task<float[]> BundleItemFactorsAsync(IArtifactStore store, string runId)
    {
        ScoringBundleHeader header = await ScoringBundleReader.ReadHeaderAsync(store, runId, CancellationToken.None);
        return (await ScoringBundleReader.ReadItemsAsync(store, header, CancellationToken.None)).Factors;
    }

    private static async Task<string> ReadTextAsync(IArtifactStore store, string path)
    {
        await using Stream stream = await store.OpenReadAsync(path);
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync();
    }

    /// <summary>The local pipeline on a folder, with short BPR training unless told otherwise.</summary>
    private sealed class Pipeline : IDisposable
    {
        private readonly SqliteLookupStore _lookup;

        public Pipeline(string file, string log, bool refit, ModelKind kind)
            : this(file, log, new TrainingOptions { Kind = kind, Dimension = 8, Epochs = 4, Device = TrainingDevice.Cpu, LearningRate = kind == ModelKind.Auto ? null : 0.02, BatchSize = 256, Refit = refit })
        {
        }

        public Pipeline(string file, string log, TrainingOptions training)
        {
            string folder = Path.GetDirectoryName(file)!;
            Store = new LocalArtifactStore(Path.Combine(folder, "artifacts"));
            _lookup = new SqliteLookupStore(Path.Combine(folder, "lookup.db"));
            Stages = PipelineStages.Create(Store, _lookup, new LocalFileLogSource([log]), Options.Create(new PreprocessingOptions()), Options.Create(training), ColumnMapping.AutoDetect);
            History = new RunHistory(Store);
        }

        public LocalArtifactStore Store { get; }

        public PipelineStages Stages { get; }

        public RunHistory History { get; }

        public Task<PipelineOutcome> RunAsync(string runId, double minNdcgVersusPopularity = 0) =>
            new SequentialPipeline(Stages, History).RunAsync(
                new PipelineRunRequest(runId, "test", PipelineRunSettings.From(new PipelineOptions { ShardSize = 50, MinNdcgVersusPopularity = minNdcgVersusPopularity }, epochsPerActivity: 0)));

        /// <summary>
        /// Runs <paramref name="runId"/>, asserts that it published, and returns the outcome with the manifests of the
        /// run the gate judged and of its refit.
        /// </summary>
        public async Task<(PipelineOutcome Outcome, ModelManifest Gated, ModelManifest Refit)> RunAndReadRefitAsync(string runId)
        {
            PipelineOutcome outcome = await RunAsync(runId);
            Assert.Equal(RunResults.Published, outcome.Result);
            ModelManifest? gated = await TrainedModel.ReadManifestAsync(Store, runId, CancellationToken.None);
            ModelManifest? refit = await TrainedModel.ReadManifestAsync(Store, ModelRefit.RunIdOf(runId), CancellationToken.None);
            return (outcome, Assert.IsType<ModelManifest>(gated), Assert.IsType<ModelManifest>(refit));
        }

        /// <summary>Preprocesses and trains <paramref name="runId"/> (no gate, no refit); returns the dataset version.</summary>
        public async Task<string> TrainGatedAsync(string runId)
        {
            PreprocessStageOutput data = await Stages.Preprocess.RunAsync(new PreprocessStageInput(runId));
            await Stages.Train.RunAsync(new TrainStageInput(runId, data.DatasetVersion, 10, null, null, 0));
            return data.DatasetVersion;
        }

        public void Dispose() => _lookup.Dispose();
    }
}
