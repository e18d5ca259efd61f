using Recommender.Core.Datasets;
using Recommender.Core.Evaluation;
using Recommender.Core.Models;
using Recommender.Core.Pipeline;
using Recommender.Core.Tests.Models;
using Recommender.Core.Tests.Training;
using Recommender.Core.Training;

namespace Recommender.Core.Tests.Pipeline;

/// <summary>The live model is compared only when it knows enough of the dataset's users and items to mean something.</summary>
public sealed class LiveComparisonTests : IDisposable
{
    private readonly TemporaryStore _store = new();

    public void Dispose() => _store.Dispose();

    [Fact]
    public async Task Compute_LiveModelOfTheSameCatalog_IsCompared()
    {
        CuratedDataset data = PlantedData.Implicit();
        TrainedModel live = await TrainAsync(data, "live");

        ModelEvaluation evaluation = ModelEvaluation.Compute(data, live, PopularityRecommender.FromDataset(data), live, 5);

        Assert.NotNull(evaluation.Live);
        Assert.Null(evaluation.LiveNotCompared);
    }

    [Fact]
    public async Task Compute_LiveModelThatKnowsNoneOfTheseUsers_IsNotComparedAndSaysWhy()
    {
        CuratedDataset data = PlantedData.Implicit();
        TrainedModel live = await TrainAsync(data, "live");
        CuratedDataset otherUsers = WithUserIds(data, id => "other-" + id);

        ModelEvaluation evaluation = ModelEvaluation.Compute(otherUsers, live, PopularityRecommender.FromDataset(otherUsers), live, 5);

        Assert.Null(evaluation.Live);
        Assert.Equal("the live model live knows 0% of these users and 100% of these items (a comparison needs 50% of each)", evaluation.LiveNotCompared);
    }

    [Fact]
    public void Decide_LiveModelNotCompared_GatesOnPopularityAndSaysTheLiveModelWasNotCompared()
    {
        var model = new Dictionary<string, double> { ["ndcg@10"] = 0.30 };
        var popularity = new Dictionary<string, double> { ["ndcg@10"] = 0.10 };
        var evaluation = new ModelEvaluation(10, model, popularity, Live: null) { LiveNotCompared = "the live model v1 knows 0% of these users" };

        (bool passed, string reason) = QualityGate.Decide(evaluation, PipelineRunSettings.From(new PipelineOptions()));

        Assert.True(passed);
        Assert.EndsWith("Not compared with the live model: the live model v1 knows 0% of these users.", reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AlignTo_BlendWithAnEasePartOnAReorderedCatalog_ScoresEveryKnownPairAsBefore()
    {
        CuratedDataset data = PlantedData.Implicit();
        BlendPart ease = new("ease", (PlantedData.FastOptions(ModelKind.Ease, epochs: 1) with { Regularization = 5 }).Resolve(isExplicit: false), 0.5);
        BlendPart bpr = new("bpr", PlantedData.FastOptions(ModelKind.Bpr, epochs: 2).Resolve(isExplicit: false), 0.5);
        TrainingOptions blend = (PlantedData.FastOptions(ModelKind.Blend) with { Epochs = null, LearningRate = null, Regularization = null, EarlyStoppingPatience = null, BlendParts = [ease, bpr] }).Resolve(isExplicit: false);
        await new ModelTrainer().TrainAsync(data, blend, new TrainingRun("blend"), _store.Store);
        TrainedModel live = await TrainedModel.LoadAsync(_store.Store, "blend");
        string[] reordered = [.. data.ItemIds.Reverse(), "new-item"];
        var newCatalog = new CuratedDataset { Version = "reordered", UserIds = data.UserIds, ItemIds = reordered, Train = InteractionTable.Empty, Validation = InteractionTable.Empty };

        FactorSnapshot aligned = FactorAlignment.AlignTo(live, newCatalog);

        Assert.Equal((data.ItemCount + 1, data.ItemCount + 1 + 17), (aligned.ItemCount, aligned.Dimension));
        for (int user = 0; user < data.UserCount; user += 7)
        {
            for (int item = 0; item < data.ItemCount; item++)
            {
                int moved = Array.IndexOf(reordered, data.ItemIds[item]);
                Assert.Equal(FactorScores.Of(live.Factors, user, item), FactorScores.Of(aligned, user, moved), 4);
            }

            Assert.Equal(0, FactorScores.Of(aligned, user, data.ItemCount));
        }
    }

    private async Task<TrainedModel> TrainAsync(CuratedDataset data, string runId)
    {
        await new ModelTrainer().TrainAsync(data, PlantedData.FastOptions(ModelKind.Bpr, epochs: 2), new TrainingRun(runId), _store.Store);
        return await TrainedModel.LoadAsync(_store.Store, runId);
    }

    private static CuratedDataset WithUserIds(CuratedDataset data, Func<string, string> rename) => new()
    {
        Version = data.Version + "-renamed",
        UserIds = [.. data.UserIds.Select(rename)],
        ItemIds = data.ItemIds,
        Train = data.Train,
        Validation = data.Validation,
        IsExplicit = data.IsExplicit,
    };
}
