using Microsoft.DurableTask.Client;
using Recommender.Core.Lookup;
using Recommender.Core.Pipeline;
using Recommender.Functions.Tests.Infrastructure;
using Recommender.Integration.Tests.Infrastructure;

namespace Recommender.Functions.Tests.Pipeline;

/// <summary>Scaling out scoring changes nothing: many small shards publish exactly what one shard does.</summary>
[Trait("Category", "Integration")]
[Collection(AzuriteCollection.Name)]
public sealed class ScoringFanOutTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task ManySmallShards_PublishTheSameListsAsOneShard()
    {
        IReadOnlyList<UserRecommendations> single = await RunAndReadAllAsync(shardSize: 1_000);
        IReadOnlyList<UserRecommendations> sharded = await RunAndReadAllAsync(shardSize: 7);

        Assert.Equal(300, single.Count);
        Assert.Equal(single.Select(l => l.UserId), sharded.Select(l => l.UserId));
        for (int i = 0; i < single.Count; i++)
        {
            Assert.Equal(single[i].ItemIds, sharded[i].ItemIds);
            // The matrix product's blocking depends on the batch, so scores agree to float rounding.
            Assert.All(single[i].Scores.Zip(sharded[i].Scores), pair => Assert.Equal(pair.First, pair.Second, 1e-5f));
        }
    }

    private async Task<IReadOnlyList<UserRecommendations>> RunAndReadAllAsync(int shardSize)
    {
        await using PipelineTestHost host = await PipelineTestHost.StartAsync(
            azurite,
            settings: new Dictionary<string, string?> { ["Recommender:Pipeline:ShardSize"] = shardSize.ToString(System.Globalization.CultureInfo.InvariantCulture), ["Recommender:Pipeline:MaxParallelShards"] = "4" });
        await host.UploadLogAsync("log.parquet");

        OrchestrationMetadata run = await host.RunToCompletionAsync();

        PipelineOutcome outcome = run.ReadOutputAs<PipelineOutcome>()!;
        Assert.Equal(RunResults.Published, outcome.Result);
        var lists = new List<UserRecommendations>();
        await foreach (UserRecommendations list in host.Lookup.ReadAllAsync(outcome.RunId))
        {
            lists.Add(list);
        }

        return lists;
    }
}
