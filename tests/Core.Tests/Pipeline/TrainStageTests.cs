using Microsoft.Extensions.Options;
using Recommender.Core.Datasets;
using Recommender.Core.Demo;
using Recommender.Core.Lookup;
using Recommender.Core.Models;
using Recommender.Core.Pipeline;
using Recommender.Core.Preprocessing;
using Recommender.Core.Storage;
using Recommender.Core.Tests.TestSupport;
using Recommender.Core.Training;

namespace Recommender.Core.Tests.Pipeline;

/// <summary>The train stage's plan of the automatic choice: which candidates a host may train apart.</summary>
public sealed class TrainStageTests : IDisposable
{
    private readonly TempDirectory _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData(ModelKind.Auto, false, null, new[] { "ease", "ials", "softmax" })]
    [InlineData(ModelKind.Auto, false, "run.refit", new string[0])] // a refit trains the run's own kind
    [InlineData(ModelKind.Auto, true, null, new string[0])] // explicit ratings: matrix factorization, no choice
    [InlineData(ModelKind.Softmax, false, null, new string[0])]
    public async Task PlanCandidatesAsync_KindAndFeedback_NamesTheCandidatesTheChoiceTrains(ModelKind kind, bool isExplicit, string? refitOf, string[] expected)
    {
        string log = _folder.Combine("logs", "log.parquet");
        await using (FileStream output = File.Create(log))
        {
            await SyntheticInteractionLog.WriteAsync(output, new SyntheticLogOptions { Users = 60, Items = 40, Clusters = 3, MeanPerUser = 10, Seed = 3, Ratings = isExplicit });
        }

        var store = new LocalArtifactStore(_folder.Combine("artifacts"));
        using var lookup = new SqliteLookupStore(_folder.Combine("lookup.db"));
        var preprocessing = new PreprocessingOptions { Feedback = isExplicit ? FeedbackKind.Explicit : FeedbackKind.Implicit };
        var training = new TrainingOptions { Kind = kind };
        PipelineStages stages = PipelineStages.Create(store, lookup, new LocalFileLogSource([log]), Options.Create(preprocessing), Options.Create(training));
        PreprocessStageOutput data = await stages.Preprocess.RunAsync(new PreprocessStageInput("run"));
        var input = new TrainStageInput(refitOf ?? "run", data.DatasetVersion, 10, null, null, 0) { RefitOf = refitOf is null ? null : "run" };

        CandidatePlan plan = await stages.Train.PlanCandidatesAsync(input);

        Assert.Equal(expected, plan.Candidates);
        Assert.Equal(training.SelectionTimeBudget, plan.TimeBudget);
        if (expected.Length > 0)
        {
            // Planned from the manifest alone, the names are those the candidates train under once the data is read.
            CuratedDataset dataset = await new CuratedDatasetReader(store).ReadAsync(data.DatasetVersion);
            Assert.Equal(ModelCandidates.For(training, dataset).Select(candidate => candidate.Name), plan.Candidates);
        }
    }
}
