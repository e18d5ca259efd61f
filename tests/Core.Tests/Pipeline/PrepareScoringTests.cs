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
using Recommender.Core.Training;

namespace Recommender.Core.Tests.Pipeline;

/// <summary>The prepare-scoring stage on a run made by the real stages (preprocess, train) from a generated log.</summary>
public sealed class PrepareScoringTests : IAsyncLifetime, IDisposable
{
    private const string RunId = "run-1";
    private readonly TempDirectory _folder = new();
    private LocalArtifactStore _store = null!;
    private SqliteLookupStore _lookup = null!;
    private PipelineStages _stages = null!;
    private string _datasetVersion = null!;

    public async Task InitializeAsync()
    {
        string log = _folder.Combine("logs", "log.parquet");
        await using (FileStream output = File.Create(log))
        {
            await SyntheticInteractionLog.WriteAsync(output, new SyntheticLogOptions { Users = 200, Items = 80, Clusters = 4, MeanPerUser = 15, Seed = 7 });
        }

        _store = new LocalArtifactStore(_folder.Combine("artifacts"));
        _lookup = new SqliteLookupStore(_folder.Combine("lookup.db"));
        var training = new TrainingOptions { Kind = ModelKind.Bpr, Dimension = 8, Epochs = 1, Device = TrainingDevice.Cpu };
        _stages = PipelineStages.Create(_store, _lookup, new LocalFileLogSource([log]), Options.Create(new PreprocessingOptions()), Options.Create(training), ColumnMapping.AutoDetect);
        PreprocessStageOutput data = await _stages.Preprocess.RunAsync(new PreprocessStageInput(RunId));
        _datasetVersion = data.DatasetVersion;
        await _stages.Train.RunAsync(new TrainStageInput(RunId, _datasetVersion, 10, null, null, MaxEpochsThisCall: 0));
    }

    [Fact]
    public async Task PrepareScoringAsync_TrainedRun_BundleHoldsEveryUsersTrainAndHeldOutItems()
    {
        PrepareScoringOutput output = await _stages.Scoring.PrepareAsync(new PrepareScoringInput(RunId, _datasetVersion));

        CuratedDataset dataset = await new CuratedDatasetReader(_store).ReadAsync(_datasetVersion);
        ScoringBundleHeader header = await ScoringBundleReader.ReadHeaderAsync(_store, RunId, CancellationToken.None);
        ScoringUsers users = await ScoringBundleReader.ReadUsersAsync(_store, header, 0, header.UserCount, CancellationToken.None);
        // Factor rows carry the item bias as one more column.
        Assert.Equal((dataset.UserCount, dataset.ItemCount, 8 + 1), (output.Users, output.Items, output.Dimension));
        Assert.Equal(dataset.UserIds, users.Ids);
        for (int user = 0; user < dataset.UserCount; user++)
        {
            int[] expected = ItemsOf(dataset.Train, user).Concat(ItemsOf(dataset.Validation, user)).Distinct().Order().ToArray();
            Assert.Equal(expected, users.Seen.ItemsOf(user).ToArray());
        }
    }

    [Fact]
    public async Task PrepareScoringAsync_RatingThreshold_BundleHoldsTheLowRatedItemsAsSeenToo()
    {
        string log = _folder.Combine("rated", "log.parquet");
        await using (FileStream output = File.Create(log))
        {
            await SyntheticInteractionLog.WriteAsync(output, new SyntheticLogOptions { Users = 150, Items = 60, Clusters = 3, MeanPerUser = 15, Seed = 3, Ratings = true });
        }

        var store = new LocalArtifactStore(_folder.Combine("rated", "artifacts"));
        using var lookup = new SqliteLookupStore(_folder.Combine("rated", "lookup.db"));
        var training = new TrainingOptions { Kind = ModelKind.Bpr, Dimension = 8, Epochs = 1, Device = TrainingDevice.Cpu };
        PipelineStages stages = PipelineStages.Create(
            store, lookup, new LocalFileLogSource([log]), Options.Create(new PreprocessingOptions { RatingThreshold = 4 }), Options.Create(training), ColumnMapping.AutoDetect);
        PreprocessStageOutput data = await stages.Preprocess.RunAsync(new PreprocessStageInput(RunId));
        await stages.Train.RunAsync(new TrainStageInput(RunId, data.DatasetVersion, 10, null, null, MaxEpochsThisCall: 0));

        await stages.Scoring.PrepareAsync(new PrepareScoringInput(RunId, data.DatasetVersion));

        CuratedDataset dataset = await new CuratedDatasetReader(store).ReadAsync(data.DatasetVersion);
        ScoringBundleHeader header = await ScoringBundleReader.ReadHeaderAsync(store, RunId, CancellationToken.None);
        ScoringUsers users = await ScoringBundleReader.ReadUsersAsync(store, header, 0, header.UserCount, CancellationToken.None);
        Assert.True(dataset.SeenOnly.Count > 0);
        for (int user = 0; user < dataset.UserCount; user++)
        {
            Assert.Superset(ItemsOf(dataset.SeenOnly, user).ToHashSet(), users.Seen.ItemsOf(user).ToArray().ToHashSet());
        }
    }

    [Fact]
    public async Task PrepareScoringAsync_CompleteBundleAlreadyThere_DoesNotWriteItAgain()
    {
        await _stages.Scoring.PrepareAsync(new PrepareScoringInput(RunId, _datasetVersion));
        string before = (await _store.GetInfoAsync(ScoringBundle.HeaderPath(RunId)))!.ETag;
        await Task.Delay(20);

        await _stages.Scoring.PrepareAsync(new PrepareScoringInput(RunId, _datasetVersion));

        Assert.Equal(before, (await _store.GetInfoAsync(ScoringBundle.HeaderPath(RunId)))!.ETag);
    }

    [Fact]
    public async Task PrepareScoringAsync_BundleMissingAFile_WritesItAgainAndShardsScore()
    {
        await _stages.Scoring.PrepareAsync(new PrepareScoringInput(RunId, _datasetVersion));
        await _store.DeleteAsync(ScoringBundle.PathOf(RunId, ScoringBundle.SeenItems));

        PrepareScoringOutput output = await _stages.Scoring.PrepareAsync(new PrepareScoringInput(RunId, _datasetVersion));
        ScoreShardOutput shard = await _stages.Scoring.ScoreShardAsync(new ScoreShardInput(RunId, _datasetVersion, 0, output.Users, 10));

        Assert.Equal(output.Users, shard.ListsWritten);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose()
    {
        _lookup?.Dispose();
        _folder.Dispose();
    }

    private static IEnumerable<int> ItemsOf(InteractionTable table, int user) =>
        Enumerable.Range(0, table.Count).Where(row => table.Users[row] == user).Select(row => table.Items[row]);
}
