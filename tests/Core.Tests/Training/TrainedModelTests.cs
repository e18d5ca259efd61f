using System.Text.Json;
using System.Text.Json.Nodes;
using Recommender.Core.Datasets;
using Recommender.Core.Models;
using Recommender.Core.Storage;
using Recommender.Core.Training;

namespace Recommender.Core.Tests.Training;

public sealed class TrainedModelTests
{
    [Fact]
    public async Task LoadAsync_FinishedRun_ReturnsBestEpochFactorsAndIds()
    {
        CuratedDataset data = PlantedData.Implicit();
        using var store = new TemporaryStore();
        var validator = new ScriptedValidator(0.1, 0.9, 0.2, 0.3);
        TrainingResult result = await new ModelTrainer().TrainAsync(data, PlantedData.FastOptions(ModelKind.Bpr, epochs: 4), new TrainingRun("load"), store.Store, validator);

        TrainedModel model = await TrainedModel.LoadAsync(store.Store, "load");

        Assert.Equal(2, model.Manifest.BestEpoch);
        Assert.Equal(validator.Seen[1].UserFactors, model.Factors.UserFactors);
        Assert.Equal(result.Factors.ItemFactors, model.Factors.ItemFactors);
        Assert.Equal(data.ItemIds, model.ItemIds);
        Assert.Equal(data.UserIds, model.UserIds);
    }

    [Theory]
    [InlineData(ModelKind.MatrixFactorization)]
    [InlineData(ModelKind.Bpr)]
    [InlineData(ModelKind.Softmax)]
    public async Task LoadAsync_FinishedRunOfEachKind_LoadsTheBestEpoch(ModelKind kind)
    {
        CuratedDataset data = kind == ModelKind.MatrixFactorization ? PlantedData.Explicit() : PlantedData.Implicit();
        using var store = new TemporaryStore();
        TrainingResult result = await new ModelTrainer().TrainAsync(data, PlantedData.FastOptions(kind, epochs: 2), new TrainingRun("each-kind"), store.Store);

        TrainedModel model = await TrainedModel.LoadAsync(store.Store, "each-kind");

        Assert.Equal(kind, model.Manifest.Kind);
        Assert.Equal(result.Factors.UserFactors, model.Factors.UserFactors);
        Assert.Equal(result.Factors.ItemFactors, model.Factors.ItemFactors);
    }

    [Fact]
    public async Task LoadAsync_CheckpointRecordWithATensorOfAnotherShape_ThrowsNamingCheckpoint()
    {
        using var store = new TemporaryStore();
        await TrainSmallRunAsync(store, "reshaped");
        await EditJsonAsync(store, ModelArtifactPaths.CheckpointRecord("reshaped", 2), node =>
        {
            JsonArray parameters = node["parameters"]!.AsArray();
            JsonObject last = parameters[^1]!.AsObject();
            last["shape"] = new JsonArray(1, 1);
        });

        var error = await Assert.ThrowsAsync<InvalidModelArtifactException>(() => TrainedModel.LoadAsync(store.Store, "reshaped"));

        Assert.Contains("epoch-0002.ckpt", error.Message, StringComparison.Ordinal);
        Assert.Contains("tensors differ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoadAsync_RunNotFinished_ThrowsNamingStatus()
    {
        CuratedDataset data = PlantedData.Implicit();
        using var store = new TemporaryStore();
        using var cancellation = new CancellationTokenSource();
        var stop = new SynchronousProgress<TrainingProgress>(report =>
        {
            if (report.IsEpochEnd)
            {
                cancellation.Cancel();
            }
        });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            new ModelTrainer().TrainAsync(data, PlantedData.FastOptions(ModelKind.Softmax, epochs: 3), new TrainingRun("unfinished"), store.Store, progress: stop, cancellationToken: cancellation.Token));

        var error = await Assert.ThrowsAsync<InvalidModelArtifactException>(() => TrainedModel.LoadAsync(store.Store, "unfinished"));

        Assert.Contains("Running", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoadAsync_MissingRun_ThrowsNotFound()
    {
        using var store = new TemporaryStore();

        await Assert.ThrowsAsync<ArtifactNotFoundException>(() => TrainedModel.LoadAsync(store.Store, "absent"));
    }

    [Fact]
    public async Task LoadAsync_ManifestShapesInconsistentWithCounts_Throws()
    {
        using var store = new TemporaryStore();
        await TrainSmallRunAsync(store, "inconsistent");
        await EditJsonAsync(store, "models/inconsistent/model.json", manifest => manifest["userCount"] = 2_000_000_000);

        var error = await Assert.ThrowsAsync<InvalidModelArtifactException>(() => TrainedModel.LoadAsync(store.Store, "inconsistent"));

        Assert.Contains("model.json", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoadModuleAsync_RecordsClaimingHugeTensors_RejectedBeforeAllocating()
    {
        using var store = new TemporaryStore();
        await TrainSmallRunAsync(store, "huge");
        ModelManifest manifest = (await TrainedModel.ReadManifestAsync(store.Store, "huge", CancellationToken.None))!;
        var hugeShape = new ModelShape(manifest.Kind, 2_000_000_000, manifest.ItemCount, 4096);
        IReadOnlyList<TensorShape> hugeParameters = ModelFactory.ExpectedParameters(hugeShape);
        ModelManifest crafted = manifest with { UserCount = hugeShape.UserCount, Dimension = hugeShape.Dimension, Parameters = hugeParameters };
        long hugeBytes = hugeParameters.Sum(p => p.Shape.Aggregate(4L, (a, b) => a * b));
        string record = ModelArtifactPaths.CheckpointRecord("huge", manifest.BestEpoch);
        await EditJsonAsync(store, record, node =>
        {
            node["parameters"] = JsonSerializer.SerializeToNode(hugeParameters, JsonSerializerOptions.Web);
            node["modelStateLength"] = hugeBytes;
            node["size"] = hugeBytes + 24 + node["optimizerStateLength"]!.GetValue<long>();
        });

        var error = await Assert.ThrowsAsync<InvalidModelArtifactException>(() => TrainedModel.LoadModuleAsync(store.Store, crafted, manifest.BestEpoch, CancellationToken.None));

        Assert.Contains("bytes where its record says", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoadAsync_BestCheckpointTampered_Throws()
    {
        using var store = new TemporaryStore();
        await TrainSmallRunAsync(store, "tampered");
        string checkpoint = store.FullPath("models/tampered/checkpoints/epoch-0002.ckpt");
        byte[] bytes = await File.ReadAllBytesAsync(checkpoint);
        bytes[^10] ^= 0x55;
        await File.WriteAllBytesAsync(checkpoint, bytes);

        var error = await Assert.ThrowsAsync<InvalidModelArtifactException>(() => TrainedModel.LoadAsync(store.Store, "tampered"));

        Assert.Contains("SHA-256", error.Message, StringComparison.Ordinal);
    }

    private static Task<TrainingResult> TrainSmallRunAsync(TemporaryStore store, string runId) =>
        new ModelTrainer().TrainAsync(PlantedData.Implicit(), PlantedData.FastOptions(ModelKind.Softmax, epochs: 2), new TrainingRun(runId), store.Store);

    private static async Task EditJsonAsync(TemporaryStore store, string path, Action<JsonObject> edit)
    {
        string file = store.FullPath(path);
        JsonObject node = JsonNode.Parse(await File.ReadAllTextAsync(file))!.AsObject();
        edit(node);
        await File.WriteAllTextAsync(file, node.ToJsonString());
    }
}
