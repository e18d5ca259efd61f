using System.ComponentModel.DataAnnotations;
using Recommender.Core.Datasets;
using Recommender.Core.Models;
using Recommender.Core.Training;

namespace Recommender.Core.Tests.Training;

/// <summary>A blend run: its parts train as runs of their own, its checkpoint holds their blended factors, its refit refits every part.</summary>
public sealed class BlendTrainingTests
{
    /// <summary>An EASE part: two λ values from 5.</summary>
    internal static readonly BlendPart Ease = new("ease", (PlantedData.FastOptions(ModelKind.Ease, epochs: 2) with { Regularization = 5 }).Resolve(isExplicit: false), 0.6);
    private static readonly BlendPart Ials = new("ials", (PlantedData.FastOptions(ModelKind.Ials, epochs: 3) with { Dimension = 8 }).Resolve(isExplicit: false), 0.3);
    /// <summary>A softmax part: two epochs.</summary>
    internal static readonly BlendPart Softmax = new("softmax", PlantedData.FastOptions(ModelKind.Softmax, epochs: 2).Resolve(isExplicit: false), 0.1);

    /// <summary>Columns of the blend: the catalog (EASE), iALS's 8, softmax's 16 and its bias.</summary>
    private static int Width(CuratedDataset data) => data.ItemCount + 8 + 17;
    private static readonly TrainingOptions Blend = (PlantedData.FastOptions(ModelKind.Blend) with
    {
        Epochs = null,
        LearningRate = null,
        Regularization = null,
        EarlyStoppingPatience = null,
        BlendParts = [Ease, Ials, Softmax],
    }).Resolve(isExplicit: false);

    [Fact]
    public async Task TrainAsync_Blend_BlendsThePartsTrainedAsRunsOfTheirOwnThenDropsThem()
    {
        CuratedDataset data = PlantedData.Implicit();
        using var store = new TemporaryStore();
        using var direct = new TemporaryStore();

        TrainingResult blend = await new ModelTrainer().TrainAsync(data, Blend, new TrainingRun("blend"), store.Store, new NdcgValidator(data));
        TrainingResult ease = await new ModelTrainer().TrainAsync(data, Ease.Options, new TrainingRun("ease"), direct.Store, new NdcgValidator(data));
        TrainingResult ials = await new ModelTrainer().TrainAsync(data, Ials.Options, new TrainingRun("ials"), direct.Store, new NdcgValidator(data));
        TrainingResult softmax = await new ModelTrainer().TrainAsync(data, Softmax.Options, new TrainingRun("softmax"), direct.Store, new NdcgValidator(data));

        FactorSnapshot expected = BlendFactors.Combine([ease.Factors, ials.Factors, softmax.Factors], [0.6, 0.3, 0.1]);
        Assert.Equal((ModelKind.Blend, TrainingStatus.Completed, Width(data)), (blend.Kind, blend.Status, blend.Factors.Dimension));
        Assert.Equal(expected.UserFactors, blend.Factors.UserFactors);
        Assert.Equal(expected.ItemFactors, blend.Factors.ItemFactors);
        Assert.NotNull(blend.BestMetric);
        TrainedModel loaded = await TrainedModel.LoadAsync(store.Store, "blend");
        Assert.Equal(expected.UserFactors, loaded.Factors.UserFactors);
        Assert.Null(await TrainedModel.ReadManifestAsync(store.Store, TrainingRun.BlendPartRunId("blend", "ease"), CancellationToken.None));
        Assert.Null(await TrainedModel.ReadManifestAsync(store.Store, TrainingRun.BlendPartRunId("blend", "ials"), CancellationToken.None));
        Assert.NotNull(await TrainedModel.ReadManifestAsync(store.Store, TrainingRun.BlendPartRunId("blend", "softmax"), CancellationToken.None)); // its refit continues from it
    }

    [Fact]
    public async Task TrainAsync_Blend_ReportsEachEpochUnderItsPartsNameThenTheBlends()
    {
        CuratedDataset data = PlantedData.Implicit();
        using var store = new TemporaryStore();
        var epochs = new List<string>();
        var progress = new SynchronousProgress<TrainingProgress>(report =>
        {
            if (report.IsEpochEnd)
            {
                epochs.Add($"{report.Model} {report.Epoch}");
            }
        });

        await new ModelTrainer().TrainAsync(data, Blend, new TrainingRun("blend"), store.Store, new NdcgValidator(data), TrainingProgress.Of("the candidate", progress));

        Assert.Equal(["ease 1", "ease 2", "ials 1", "ials 2", "ials 3", "softmax 1", "softmax 2", "blend 1"], epochs);
    }

    [Fact]
    public async Task TrainAsync_BlendWithoutRefit_DropsEveryPartRun()
    {
        CuratedDataset data = PlantedData.Implicit();
        using var store = new TemporaryStore();

        await new ModelTrainer().TrainAsync(data, Blend with { Refit = false }, new TrainingRun("blend"), store.Store, new NdcgValidator(data));

        foreach (BlendPart part in Blend.BlendParts!)
        {
            Assert.Null(await TrainedModel.ReadManifestAsync(store.Store, TrainingRun.BlendPartRunId("blend", part.Name), CancellationToken.None));
        }
    }

    [Fact]
    public async Task TrainAsync_BlendInCallsOfOneEpoch_EndsWithTheFactorsOfOneCall()
    {
        CuratedDataset data = PlantedData.Implicit();
        using var whole = new TemporaryStore();
        using var chunked = new TemporaryStore();
        TrainingResult expected = await new ModelTrainer().TrainAsync(data, Blend, new TrainingRun("blend"), whole.Store);

        TrainingResult result;
        int calls = 0;
        do
        {
            result = await new ModelTrainer().TrainAsync(data, Blend, new TrainingRun("blend") { MaxEpochsThisCall = 1 }, chunked.Store);
            calls++;
        }
        while (result.Status == TrainingStatus.Running && calls < 20);

        Assert.Equal(Ease.Options.Epochs!.Value + Ials.Options.Epochs!.Value + Softmax.Options.Epochs!.Value, calls); // the blend itself in the call that finishes the last part
        Assert.Equal(expected.Factors.UserFactors, result.Factors.UserFactors);
        Assert.Equal(expected.Factors.ItemFactors, result.Factors.ItemFactors);
    }

    [Fact]
    public async Task TrainAsync_BlendWithoutParts_RefusesSayingTheAutomaticChoiceBuildsIt()
    {
        CuratedDataset data = PlantedData.Implicit();
        using var store = new TemporaryStore();

        var error = await Assert.ThrowsAsync<ValidationException>(() =>
            new ModelTrainer().TrainAsync(data, PlantedData.FastOptions(ModelKind.Blend), new TrainingRun("blend"), store.Store));

        Assert.Contains("built by the automatic choice", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_BlendPartOfNoBlendableKindOrWithoutWeight_NamesThePart()
    {
        TrainingOptions options = Blend with { BlendParts = [Ease with { Weight = 0 }, Ials with { Options = Ials.Options with { Kind = ModelKind.MatrixFactorization } }] };

        var error = Assert.Throws<ValidationException>(options.Validate);

        Assert.Contains("BlendParts[0] (ease) has weight 0", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PrepareAsync_RefitOfABlend_RefitsEveryPartTheWayItsOwnRefitWould()
    {
        CuratedDataset data = PlantedData.Implicit();
        using var store = new TemporaryStore();

        (CuratedDataset refitData, TrainingOptions options, TrainingRun run) = await TrainBlendAndPrepareItsRefitAsync(data, store, maxEpochsThisCall: 0);

        Assert.Equal(data.Train.Count + data.Validation.Count, refitData.Train.Count);
        Assert.Equal((ModelKind.Blend, 1, "blend.refit"), (options.Kind, options.Epochs, run.RunId));
        BlendPart ease = options.BlendParts![0];
        Assert.Equal((1, 5.0 * 2, 0.6), (ease.Options.Epochs, ease.Options.Regularization, ease.Weight));
        Assert.Equal(Softmax.Options.Epochs, options.BlendParts[2].Options.Epochs);
        Assert.Equal((Ials.Options.Epochs, 0), (options.BlendParts[1].Options.Epochs, options.BlendParts[1].Options.EarlyStoppingPatience));
        TrainingResult refit = await new ModelTrainer().TrainAsync(refitData, options, run, store.Store);
        Assert.Equal((TrainingStatus.Completed, Width(data)), (refit.Status, refit.Factors.Dimension));
    }

    [Fact]
    public async Task TrainAsync_RefitOfABlend_ContinuesItsSoftmaxPartFromTheBlendsAndThenDropsBoth()
    {
        CuratedDataset data = PlantedData.Implicit();
        using var store = new TemporaryStore();
        (CuratedDataset refitData, TrainingOptions options, TrainingRun run) = await TrainBlendAndPrepareItsRefitAsync(data, store, maxEpochsThisCall: 1);
        string softmaxRefit = TrainingRun.BlendPartRunId(run.RunId, "softmax");

        // One epoch a call: EASE's single fit, iALS's epochs, then softmax's first.
        TrainingResult result;
        do
        {
            result = await new ModelTrainer().TrainAsync(refitData, options, run, store.Store);
        }
        while (result.Status == TrainingStatus.Running && await TrainedModel.ReadManifestAsync(store.Store, softmaxRefit, CancellationToken.None) is null);

        ModelManifest? started = await TrainedModel.ReadManifestAsync(store.Store, softmaxRefit, CancellationToken.None);
        Assert.Equal(TrainingRun.BlendPartRunId("blend", "softmax"), started?.WarmStart?.RunId);
        TrainingResult finished = await new ModelTrainer().TrainAsync(refitData, options, run with { MaxEpochsThisCall = 0 }, store.Store);
        Assert.Equal(TrainingStatus.Completed, finished.Status);
        Assert.Null(await TrainedModel.ReadManifestAsync(store.Store, softmaxRefit, CancellationToken.None));
        Assert.Null(await TrainedModel.ReadManifestAsync(store.Store, TrainingRun.BlendPartRunId("blend", "softmax"), CancellationToken.None));
    }

    /// <summary>Trains <see cref="Blend"/> as run "blend" and prepares its refit, <paramref name="maxEpochsThisCall"/> epochs a call.</summary>
    private static async Task<(CuratedDataset Data, TrainingOptions Options, TrainingRun Run)> TrainBlendAndPrepareItsRefitAsync(
        CuratedDataset data, TemporaryStore store, int maxEpochsThisCall)
    {
        await new ModelTrainer().TrainAsync(data, Blend, new TrainingRun("blend"), store.Store, new NdcgValidator(data));
        return await ModelRefit.PrepareAsync(store.Store, data, "blend", maxEpochsThisCall);
    }
}
