using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Recommender.Core.Datasets;
using Recommender.Core.Models;
using Recommender.Core.Storage;
using Recommender.Core.Torch;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Recommender.Core.Training;

/// <summary>
/// Trains an embedding model on a curated dataset with TorchSharp: mini-batch Adam over shuffled
/// interactions, a checkpoint after every epoch, validation and early stopping on an injected
/// validator, and resumption from the newest complete checkpoint when a run id is trained again.
/// Runs with the same seed give the same loss curve on the CPU, resumed or not. The caller sets
/// <c>torch.set_num_threads</c>.
/// </summary>
public sealed class ModelTrainer
{
    private const int ProgressReportsPerEpoch = 10;
    // Refit decides what the pipeline does after this run, not how the run trains.
    // The EASE cap only guards memory: lowering it must not orphan a run already trained within it.
    private static readonly string[] OptionsThatMayChangeOnResume = ["device", "checkpointsToKeep", "refit", "easeMaxItems", "easeMaxMemoryMB"];
    private readonly ILogger _logger;
    private readonly TimeProvider _time;

    /// <summary>Creates a trainer.</summary>
    public ModelTrainer(ILogger<ModelTrainer>? logger = null, TimeProvider? timeProvider = null)
    {
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>
    /// Trains (or resumes, or returns the finished result of) <paramref name="run"/> on
    /// <paramref name="data"/>. Artifacts go to <c>models/{runId}/</c> in <paramref name="store"/>.
    /// </summary>
    /// <exception cref="System.ComponentModel.DataAnnotations.ValidationException">An option is out of range.</exception>
    /// <exception cref="TrainingDeviceUnavailableException">CUDA was asked for and is not available.</exception>
    /// <exception cref="TrainingDivergedException">The loss became NaN or infinite.</exception>
    /// <exception cref="TrainingRunConflictException">The run id holds a run with other data or options.</exception>
    public async Task<TrainingResult> TrainAsync(
        CuratedDataset data,
        TrainingOptions options,
        TrainingRun run,
        IArtifactStore store,
        ITrainingValidator? validator = null,
        IProgress<TrainingProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(store);
        options.Validate();
        TrainingRun.ValidateRunId(run.RunId, nameof(run));
        if (run.WarmStartRunId is not null)
        {
            TrainingRun.ValidateRunId(run.WarmStartRunId, nameof(run));
        }

        TorchRuntime.ConfigureNativeAllocator();
        options = options.Resolve(data.IsExplicit);
        ModelKind kind = options.Kind;
        EnsureTrainable(data, readsStrengths: ModelKindFeedback.ReadsStrengths(kind, data.IsExplicit), kind);
        if (ModelKindFeedback.CannotTrainOn(kind, data.IsExplicit))
        {
            throw new ArgumentException($"Matrix factorization trains on explicit ratings, and dataset '{data.Version}' is implicit feedback; choose Bpr or Softmax.", nameof(options));
        }

        if (kind == ModelKind.Ease)
        {
            EnsureEaseFits(data, options);
        }

        (Device device, string deviceName, bool fellBack) = ResolveDevice(options.Device, run.RunId);
        int dimension = kind == ModelKind.Blend
            ? BlendFactors.DimensionOf(options.BlendParts!.Select(part => ModelShape.ScoringWidthOf(part.Options, data.ItemCount)))
            : options.Dimension;
        var shape = ModelShape.Of(kind, data.UserCount, data.ItemCount, dimension);
        ModelManifest? existing = await TrainedModel.ReadManifestAsync(store, run.RunId, cancellationToken).ConfigureAwait(false);
        if (existing is not null)
        {
            EnsureSameRun(existing, data, options, shape);
            if (existing.Status is TrainingStatus.Completed or TrainingStatus.EarlyStopped)
            {
                TrainingLog.AlreadyFinished(_logger, run.RunId, existing.Status);
                return await LoadFinishedResultAsync(store, existing, cancellationToken).ConfigureAwait(false);
            }
        }

        IReadOnlyList<FactorSnapshot>? blendParts = null;
        if (kind == ModelKind.Blend)
        {
            if (!ModelShape.IsScoringDimension(shape.Dimension, shape.ItemCount))
            {
                throw new ArgumentException($"The blend's parts have {shape.Dimension:N0} columns together over {shape.ItemCount:N0} items, more than a scoring row may hold.", nameof(options));
            }

            (TrainingResult? unfinished, blendParts) = await TrainBlendPartsAsync(data, options, run, store, validator, progress, cancellationToken).ConfigureAwait(false);
            if (unfinished is not null)
            {
                return unfinished;
            }
        }

        TrainingResult result;
        IProgress<TrainingProgress>? sessionProgress = blendParts is null ? progress : TrainingProgress.Of(ModelCandidates.BlendName, progress);
        var session = new Session(this, data, options, run, store, validator, sessionProgress, shape, device, deviceName, fellBack, existing, blendParts);
        using (session)
        {
            result = await session.RunAsync(cancellationToken).ConfigureAwait(false);
        }

        if (kind == ModelKind.Blend && result.Status != TrainingStatus.Running)
        {
            await DropBlendPartRunsAsync(options, run, store, cancellationToken).ConfigureAwait(false);
        }

        return result;
    }

    /// <summary>
    /// Deletes the part runs of a finished blend, whose checkpoint holds every part's factors now, except those
    /// the blend's refit will continue from (<see cref="ModelRefit.PartRunsKeptFor"/>); the refit deletes those
    /// once it has finished, or the evaluation when the gate rejects the blend.
    /// </summary>
    private static async Task DropBlendPartRunsAsync(TrainingOptions options, TrainingRun run, IArtifactStore store, CancellationToken cancellationToken)
    {
        HashSet<string> kept = [.. ModelRefit.PartRunsKeptFor(run.RunId, options)];
        foreach (BlendPart part in options.BlendParts!)
        {
            string partRun = TrainingRun.BlendPartRunId(run.RunId, part.Name);
            if (!kept.Contains(partRun))
            {
                await store.DeleteUnderAsync(ModelArtifactPaths.Run(partRun), cancellationToken).ConfigureAwait(false);
            }

            if (ContinuedPartRunId(run, part) is { } continued)
            {
                await store.DeleteUnderAsync(ModelArtifactPaths.Run(continued), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// In the refit of a blend, the part run of the refitted blend that <paramref name="part"/>'s refit continues from
    /// (<see cref="ModelRefit.ContinuesFromSource"/>); null when it trains from scratch or the run is no refit.
    /// </summary>
    private static string? ContinuedPartRunId(TrainingRun run, BlendPart part) =>
        run.RefitOf is { } source && ModelRefit.ContinuesFromSource(part.Options.Kind) ? TrainingRun.BlendPartRunId(source, part.Name) : null;

    /// <summary>
    /// Trains (or resumes, or loads) each part of a blend as its own run, within the call's epoch budget; returns
    /// the parts' factors, or a result that says the blend is still running when the budget ran out first.
    /// </summary>
    private async Task<(TrainingResult? Unfinished, IReadOnlyList<FactorSnapshot> Parts)> TrainBlendPartsAsync(
        CuratedDataset data, TrainingOptions options, TrainingRun run, IArtifactStore store, ITrainingValidator? validator, IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        IReadOnlyList<BlendPart> blend = options.BlendParts!;
        var parts = new List<FactorSnapshot>();
        int epochsThisCall = 0;
        for (int index = 0; index < blend.Count; index++)
        {
            BlendPart part = blend[index];
            var partRun = new TrainingRun(TrainingRun.BlendPartRunId(run.RunId, part.Name), ContinuedPartRunId(run, part))
            {
                MaxEpochsThisCall = run.MaxEpochsThisCall == 0 ? 0 : Math.Max(1, run.MaxEpochsThisCall - epochsThisCall),
            };
            TrainingResult result = await TrainAsync(data, part.Options, partRun, store, validator, TrainingProgress.Of(part.Name, progress), cancellationToken).ConfigureAwait(false);
            epochsThisCall += result.Epochs.Count - result.ResumedFromEpoch;
            if (result.Status == TrainingStatus.Running || (run.CallBudgetSpent(epochsThisCall) && index < blend.Count - 1))
            {
                return (result with { RunId = run.RunId, Kind = ModelKind.Blend, Status = TrainingStatus.Running }, []);
            }

            parts.Add(result.Factors);
        }

        return (null, parts);
    }

    /// <summary>Seed of the random stream <paramref name="stream"/> of a run: 0 for initialization, the epoch number for each epoch.</summary>
    internal static ulong DeriveSeed(long seed, int stream)
    {
        // SplitMix64 finalizer: nearby (seed, stream) pairs give unrelated generator seeds.
        ulong z = unchecked((ulong)seed + (0x9E3779B97F4A7C15UL * (ulong)(stream + 1)));
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return z ^ (z >> 31);
    }

    private (Device Device, string Name, bool FellBack) ResolveDevice(TrainingDevice requested, string runId)
    {
        switch (requested)
        {
            case TrainingDevice.Cpu:
                return (torch.CPU, "cpu", false);
            case TrainingDevice.Cuda when torch.cuda.is_available():
            case TrainingDevice.Auto when torch.cuda.is_available():
                return (torch.CUDA, "cuda", false);
            case TrainingDevice.Cuda:
                throw new TrainingDeviceUnavailableException(
                    $"Training run '{runId}' asks for Device=cuda, but TorchSharp finds no CUDA device (this build may carry the CPU-only TorchSharp package, or the machine has no usable GPU and driver). Use Device=cpu or Device=auto.");
            default:
                TrainingLog.FellBackToCpu(_logger, runId);
                return (torch.CPU, "cpu", true);
        }
    }

    /// <summary>
    /// Refuses a dataset the trainer cannot use, naming the row: indices outside the vocabularies, a rating that is
    /// not a finite number, or, when <paramref name="readsStrengths"/> (EASE and softmax on implicit feedback take
    /// the square root of each weight), a weight that is not a positive finite number.
    /// </summary>
    private static void EnsureTrainable(CuratedDataset data, bool readsStrengths, ModelKind kind)
    {
        InteractionTable train = data.Train;
        if (train.Count == 0 && data.Validation.Count > 0)
        {
            // Not a bad argument of the caller's: the data and the split left nothing, and the fix is theirs to choose.
            throw new ArgumentException(string.Create(
                CultureInfo.InvariantCulture,
                $"Dataset '{data.Version}' has no training interactions: its split held out all {data.Validation.Count} for validation. A stratified split holds out the only interaction of an item (per item) or of a user (per user), which leaves nothing to train on when each has one: split RandomPerUser (it keeps one interaction of each user for training), or add data."));
        }

        if (train.Count == 0 || data.UserCount == 0 || data.ItemCount == 0)
        {
            throw new ArgumentException($"Dataset '{data.Version}' has no training interactions.", nameof(data));
        }

        for (int i = 0; i < train.Count; i++)
        {
            if ((uint)train.Users[i] >= (uint)data.UserCount || (uint)train.Items[i] >= (uint)data.ItemCount)
            {
                throw new ArgumentException($"Dataset '{data.Version}' training row {i} has user {train.Users[i]} or item {train.Items[i]} outside the vocabularies.", nameof(data));
            }

            if (data.IsExplicit && !float.IsFinite(train.Weights[i]))
            {
                throw new ArgumentException($"Dataset '{data.Version}' training row {i} has a rating that is not a finite number.", nameof(data));
            }

            if (readsStrengths && !(float.IsFinite(train.Weights[i]) && train.Weights[i] > 0))
            {
                throw new ArgumentException(
                    string.Create(CultureInfo.InvariantCulture, $"Dataset '{data.Version}' training row {i} has weight {train.Weights[i]}: {kind} takes the square root of each interaction's weight, which must be a positive finite number."),
                    nameof(data));
            }
        }
    }

    private static void EnsureEaseFits(CuratedDataset data, TrainingOptions options)
    {
        double fitGB = EaseMemory.FitBytes(data.UserCount, data.ItemCount) / 1e9;
        if (data.ItemCount > options.EaseMaxItems)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"EASE holds item-by-item matrices, and dataset '{data.Version}' has {data.ItemCount:N0} items, more than EaseMaxItems ({options.EaseMaxItems:N0}); choose Ials, Softmax or Bpr, or raise EaseMaxItems if the machine has about {fitGB:F1} GB for the fit."),
                nameof(options));
        }

        if (!EaseMemory.FitsIn(options.EaseMaxMemoryMB, data.UserCount, data.ItemCount))
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"EASE on dataset '{data.Version}' ({data.UserCount:N0} users × {data.ItemCount:N0} items) would take about {fitGB:F1} GB, more than EaseMaxMemoryMB ({options.EaseMaxMemoryMB:N0} MB); choose Ials, Softmax or Bpr, or raise EaseMaxMemoryMB on a machine with that much memory."),
                nameof(options));
        }

        if ((long)data.UserCount * data.ItemCount > Array.MaxLength)
        {
            throw new ArgumentException(
                $"EASE scores from one interaction row per user, and dataset '{data.Version}' has {data.UserCount:N0} users × {data.ItemCount:N0} items, more cells than one array holds; choose Softmax or Bpr.",
                nameof(options));
        }
    }

    private static void EnsureSameRun(ModelManifest existing, CuratedDataset data, TrainingOptions options, ModelShape shape)
    {
        if (existing.DatasetVersion != data.Version)
        {
            throw new TrainingRunConflictException(existing.RunId, $"dataset version '{existing.DatasetVersion}', not '{data.Version}'");
        }

        if (existing.Kind != shape.Kind || existing.UserCount != shape.UserCount || existing.ItemCount != shape.ItemCount || existing.Dimension != shape.Dimension)
        {
            throw new TrainingRunConflictException(existing.RunId, $"a {existing.Kind} model of {existing.UserCount} users, {existing.ItemCount} items and dimension {existing.Dimension}");
        }

        JsonObject stored = ComparableOptions(existing.Options);
        JsonObject requested = ComparableOptions(options);
        if (!JsonNode.DeepEquals(stored, requested))
        {
            throw new TrainingRunConflictException(existing.RunId, $"other training options ({OptionDifferences(stored, requested)})");
        }
    }

    /// <summary>The options that differ, as "name: value there, value now", at most a few of them.</summary>
    private static string OptionDifferences(JsonObject stored, JsonObject requested)
    {
        const int MostShown = 4;
        string[] differing = [.. stored.Select(pair => pair.Key).Union(requested.Select(pair => pair.Key), StringComparer.Ordinal)
            .Where(name => !JsonNode.DeepEquals(stored[name], requested[name]))];
        IEnumerable<string> described = differing.Take(MostShown).Select(name => $"{name}: {Brief(stored[name])} there, {Brief(requested[name])} now");
        return string.Join("; ", described) + (differing.Length > MostShown ? $"; and {differing.Length - MostShown} more" : string.Empty);

        static string Brief(JsonNode? value)
        {
            const int MaxLength = 60;
            string text = value?.ToJsonString() ?? "none";
            return text.Length <= MaxLength ? text : text[..MaxLength] + "…";
        }
    }

    private static JsonObject ComparableOptions(TrainingOptions options)
    {
        var node = JsonSerializer.SerializeToNode(options, ModelArtifactJson.Options)!.AsObject();
        foreach (string name in OptionsThatMayChangeOnResume)
        {
            node.Remove(name);
        }

        return node;
    }

    private static async Task<TrainingResult> LoadFinishedResultAsync(IArtifactStore store, ModelManifest manifest, CancellationToken cancellationToken)
    {
        using EmbeddingModel model = await TrainedModel.LoadModuleAsync(store, manifest, manifest.BestEpoch, cancellationToken).ConfigureAwait(false);
        return new TrainingResult
        {
            RunId = manifest.RunId,
            Kind = manifest.Kind,
            Status = manifest.Status,
            Factors = model.ExportFactors(),
            BestEpoch = manifest.BestEpoch,
            BestMetric = manifest.BestMetric,
            MetricName = manifest.MetricName,
            Epochs = manifest.Epochs,
            ResumedFromEpoch = manifest.Epochs.Count,
            Device = manifest.Device,
            FellBackToCpu = manifest.FellBackToCpu,
        };
    }

    /// <summary>One call's training: the model, optimizer and data tensors, and the epoch loop.</summary>
    private sealed class Session : IDisposable
    {
        private readonly ModelTrainer _trainer;
        private readonly CuratedDataset _data;
        private readonly TrainingOptions _options;
        private readonly TrainingRun _run;
        private readonly IArtifactStore _store;
        private readonly ITrainingValidator? _validator;
        private readonly IProgress<TrainingProgress>? _progress;
        private readonly ModelShape _shape;
        private readonly Device _device;
        private readonly string _deviceName;
        private readonly bool _fellBack;
        private readonly ModelManifest? _existing;
        private readonly ModelCheckpoints _checkpoints;
        private readonly ItemSampler? _sampler;
        private readonly EmbeddingModel _model;
        private Adam? _optimizer;
        private LazyAdam? _step;
        private WarmStartRecord? _warmStart;
        private DateTimeOffset _createdAt;

        public Session(
            ModelTrainer trainer,
            CuratedDataset data,
            TrainingOptions options,
            TrainingRun run,
            IArtifactStore store,
            ITrainingValidator? validator,
            IProgress<TrainingProgress>? progress,
            ModelShape shape,
            Device device,
            string deviceName,
            bool fellBack,
            ModelManifest? existing,
            IReadOnlyList<FactorSnapshot>? blendParts)
        {
            _trainer = trainer;
            _data = data;
            _options = options;
            _run = run;
            _store = store;
            _validator = validator;
            _progress = progress;
            _shape = shape;
            _device = device;
            _deviceName = deviceName;
            _fellBack = fellBack;
            _existing = existing;
            _checkpoints = new ModelCheckpoints(store, run.RunId);
            _sampler = CreateSampler(data, options, shape, device);
            var loss = new ModelLossSettings(options.Regularization!.Value, options.Negatives, options.FullSoftmaxMaxItems, options.SampledNegatives, MeanRating(data), options.UnobservedWeight ?? 0, WeighsImplicitInteractions: ModelKindFeedback.ReadsStrengths(shape.Kind, data.IsExplicit));
            _model = ModelFactory.Create(shape, loss, _sampler);
            if (_model is BlendModel blend)
            {
                blend.Inputs = (blendParts!, options.BlendParts!.Select(part => part.Weight).ToArray());
            }
        }

        private ILogger Logger => _trainer._logger;

        public async Task<TrainingResult> RunAsync(CancellationToken cancellationToken)
        {
            _createdAt = _existing?.CreatedAt ?? _trainer._time.GetUtcNow();
            _warmStart = _existing?.WarmStart;
            (TrainerState state, FactorSnapshot? bestFactors) = await RestoreOrInitializeAsync(cancellationToken).ConfigureAwait(false);
            int resumedFrom = state.Epoch;
            if (state.Status != TrainingStatus.Running)
            {
                return await FinishAsync(state, bestFactors, resumedFrom, cancellationToken).ConfigureAwait(false);
            }

            TrainingLog.Started(Logger, _run.RunId, _shape.Kind, _deviceName, _shape.UserCount, _shape.ItemCount, _data.Train.Count, state.Epoch + 1, Epochs);
            using Tensor users = IndicesOnDevice(_data.Train.Users);
            using Tensor items = IndicesOnDevice(_data.Train.Items);
            using Tensor? weights = _model.UsesInteractionWeights ? WeightsOnDevice(_data.Train.Weights) : null;
            var epochs = new List<EpochRecord>(state.Epochs);
            while (state.Status == TrainingStatus.Running && !_run.CallBudgetSpent(state.Epoch - resumedFrom))
            {
                int epoch = state.Epoch + 1;
                var clock = Stopwatch.StartNew();
                double loss;
                ValidationResult? validation;
                try
                {
                    loss = _model is IClosedFormModel closedForm
                        ? FitClosedForm(closedForm, epoch, users, items, weights, cancellationToken)
                        : TrainEpoch(epoch, users, items, weights, cancellationToken);
                    validation = Validate(epoch, ref bestFactors, ref state, cancellationToken);
                }
                catch (TrainingDivergedException)
                {
                    await WriteManifestAsync(state with { Status = TrainingStatus.Diverged }, CancellationToken.None).ConfigureAwait(false);
                    throw;
                }
                catch (Exception ex) when (LibTorchErrors.IsLibTorchError(ex))
                {
                    // Outside a batch step (TrainEpoch names its batch): a closed-form fit or the validation.
                    throw new TrainingFailedException(_run.RunId, epoch, batch: null, BatchCount, LibTorchErrors.Summary(ex), ex);
                }

                var record = new EpochRecord(epoch, loss, validation?.Value, validation?.Metrics, clock.Elapsed.TotalSeconds);
                epochs.Add(record);
                state = NextState(state, epoch, validation, epochs);
                await _checkpoints.WriteAsync(_model, _optimizer!, state, cancellationToken).ConfigureAwait(false);
                await _checkpoints.PruneAsync(EpochsToKeep(state), cancellationToken).ConfigureAwait(false);
                await WriteManifestAsync(state, cancellationToken).ConfigureAwait(false);
                TrainingLog.EpochFinished(Logger, _run.RunId, epoch, Epochs, loss, _validator?.MetricName ?? "metric", validation?.Value, record.WallSeconds);
                int batches = BatchCount;
                _progress?.Report(new TrainingProgress(epoch, Epochs, batches, batches, loss, validation?.Value, _validator?.MetricName));
                if (state.Status == TrainingStatus.EarlyStopped)
                {
                    TrainingLog.StoppedEarly(Logger, _run.RunId, epoch, state.BestEpoch);
                }
            }

            return await FinishAsync(state, bestFactors, resumedFrom, cancellationToken).ConfigureAwait(false);
        }

        public void Dispose()
        {
            _optimizer?.Dispose();
            _model.Dispose();
            _sampler?.Dispose();
        }

        private int Epochs => _options.Epochs!.Value;

        private int BatchSize => _options.BatchSize!.Value;

        private int BatchCount => (int)((_data.Train.Count + (long)BatchSize - 1) / BatchSize);

        private double TrainEpoch(int epoch, Tensor users, Tensor items, Tensor? ratings, CancellationToken cancellationToken)
        {
            _model.train();
            int count = _data.Train.Count;
            int batches = BatchCount;
            int reportEvery = Math.Max(1, batches / ProgressReportsPerEpoch);
            using var generator = new Generator(DeriveSeed(_options.Seed, epoch), _device);

            // The epoch's order is applied once, so each batch is a view of contiguous rows.
            using Tensor order = torch.randperm(count, dtype: ScalarType.Int64, device: _device, generator: generator);
            using Tensor shuffledUsers = users.index_select(0, order);
            using Tensor shuffledItems = items.index_select(0, order);
            using Tensor? shuffledRatings = ratings?.index_select(0, order);
            var rows = new GatheredRows(_options.LazyUpdateMinRows);
            double lossSum = 0;
            for (int batch = 0; batch < batches; batch++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var scope = torch.NewDisposeScope();
                long start = (long)batch * BatchSize;
                long length = Math.Min(BatchSize, count - start);
                rows.Clear();
                var trainingBatch = new TrainingBatch(
                    shuffledUsers.narrow(0, start, length),
                    shuffledItems.narrow(0, start, length),
                    shuffledRatings?.narrow(0, start, length),
                    generator,
                    rows);
                double value = Step(trainingBatch, rows, epoch, batch + 1, batches);
                lossSum += value;
                if ((batch + 1) % reportEvery == 0 && batch + 1 < batches)
                {
                    _progress?.Report(new TrainingProgress(epoch, Epochs, batch + 1, batches, lossSum / (batch + 1)));
                }
            }

            return lossSum / batches;
        }

        /// <summary>One optimizer step on <paramref name="trainingBatch"/>; returns its loss.</summary>
        private double Step(TrainingBatch trainingBatch, GatheredRows rows, int epoch, int batch, int batches)
        {
            double value;
            try
            {
                _optimizer!.zero_grad();
                Tensor loss = _model.ComputeLoss(trainingBatch);
                value = loss.item<float>();
                if (double.IsFinite(value))
                {
                    loss.backward();
                    _step!.Step(rows);
                    return value;
                }
            }
            catch (Exception ex) when (LibTorchErrors.IsLibTorchError(ex))
            {
                throw new TrainingFailedException(_run.RunId, epoch, batch, batches, LibTorchErrors.Summary(ex), ex);
            }

            TrainingLog.Diverged(Logger, _run.RunId, epoch, batch);
            throw new TrainingDivergedException(_run.RunId, epoch, batch, value);
        }

        /// <summary>The epoch of a model fitted in closed form (EASE's λ of the grid, one iALS sweep).</summary>
        private double FitClosedForm(IClosedFormModel model, int epoch, Tensor users, Tensor items, Tensor? weights, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            _model.eval();
            double objective = model.FitEpoch(epoch, users, items, weights);
            if (!double.IsFinite(objective))
            {
                TrainingLog.Diverged(Logger, _run.RunId, epoch, 1);
                throw new TrainingDivergedException(_run.RunId, epoch, 1, objective);
            }

            return objective;
        }

        private ValidationResult? Validate(int epoch, ref FactorSnapshot? bestFactors, ref TrainerState state, CancellationToken cancellationToken)
        {
            if (_validator is null || (epoch % _options.EvaluateEvery != 0 && epoch != Epochs))
            {
                return null;
            }

            _model.eval();
            FactorSnapshot factors = _model.ExportFactors();
            ValidationResult result = _validator.Validate(factors, cancellationToken);
            bool improved = double.IsFinite(result.Value)
                && (state.BestMetric is not { } best || (_validator.HigherIsBetter ? result.Value > best : result.Value < best));
            if (improved)
            {
                bestFactors = factors;
                state = state with { BestEpoch = epoch, BestMetric = result.Value, EvaluationsWithoutImprovement = 0 };
            }
            else
            {
                state = state with { EvaluationsWithoutImprovement = state.EvaluationsWithoutImprovement + 1 };
            }

            return result;
        }

        private TrainerState NextState(TrainerState state, int epoch, ValidationResult? validation, List<EpochRecord> epochs)
        {
            int bestEpoch = _validator is null ? epoch : state.BestEpoch;
            int patience = _options.EarlyStoppingPatience!.Value;
            bool stopEarly = validation is not null && patience > 0
                && state.EvaluationsWithoutImprovement >= patience && epoch < Epochs;
            TrainingStatus status = stopEarly ? TrainingStatus.EarlyStopped
                : epoch >= Epochs ? TrainingStatus.Completed
                : TrainingStatus.Running;
            return state with { Epoch = epoch, Status = status, BestEpoch = bestEpoch, Epochs = epochs.ToArray() };
        }

        private HashSet<int> EpochsToKeep(TrainerState state)
        {
            var keep = new HashSet<int>();
            for (int epoch = state.Epoch; epoch > state.Epoch - _options.CheckpointsToKeep && epoch > 0; epoch--)
            {
                keep.Add(epoch);
            }

            if (state.BestEpoch > 0)
            {
                keep.Add(state.BestEpoch);
            }

            return keep;
        }

        private async Task<(TrainerState State, FactorSnapshot? BestFactors)> RestoreOrInitializeAsync(CancellationToken cancellationToken)
        {
            // Checkpoints load into the model and an optimizer on the CPU; the optimizer that trains is
            // created after the model moves to its device, and takes the restored state over.
            IReadOnlyList<int> epochs = await _checkpoints.ListEpochsAsync(cancellationToken).ConfigureAwait(false);
            Adam? restoredOptimizer = epochs.Count > 0 ? CreateOptimizer() : null;
            try
            {
                CheckpointRecord? restored = restoredOptimizer is null
                    ? null
                    : await RestoreNewestAsync(epochs, restoredOptimizer, cancellationToken).ConfigureAwait(false);
                if (restored is null)
                {
                    await InitializeAsync(cancellationToken).ConfigureAwait(false);
                }

                _model.to(_device);
                _optimizer = CreateOptimizer();
                _step = new LazyAdam(_optimizer, _model, _options.LearningRate!.Value, _options.WeightDecay);
                if (restored is null)
                {
                    return (new TrainerState(0, TrainingStatus.Running, 0, null, 0, []), null);
                }

                CopyOptimizerState(restoredOptimizer!, _optimizer);
                TrainingLog.Resumed(Logger, _run.RunId, restored.Epoch);
                FactorSnapshot? bestFactors = await BestFactorsAsync(restored.State, cancellationToken).ConfigureAwait(false);
                return (restored.State, bestFactors);
            }
            finally
            {
                restoredOptimizer?.Dispose();
            }
        }

        private async Task<CheckpointRecord?> RestoreNewestAsync(IReadOnlyList<int> epochs, Adam optimizer, CancellationToken cancellationToken)
        {
            foreach (int epoch in epochs)
            {
                try
                {
                    CheckpointRecord? record = await _checkpoints.ReadRecordAsync(epoch, cancellationToken).ConfigureAwait(false);
                    if (record is null || record.State.Epochs.Count != epoch || record.State.Epoch > Epochs)
                    {
                        continue;
                    }

                    await _checkpoints.LoadAsync(record, _model, optimizer, cancellationToken).ConfigureAwait(false);
                    await DropCheckpointsAfterAsync(epochs, epoch, cancellationToken).ConfigureAwait(false);
                    return record;
                }
                catch (InvalidModelArtifactException ex)
                {
                    TrainingLog.CheckpointRejected(Logger, ex, _run.RunId, epoch);
                }
            }

            return null;
        }

        private async Task DropCheckpointsAfterAsync(IReadOnlyList<int> epochs, int restoredEpoch, CancellationToken cancellationToken)
        {
            var keep = epochs.Where(epoch => epoch <= restoredEpoch).ToHashSet();
            await _checkpoints.PruneAsync(keep, cancellationToken).ConfigureAwait(false);
        }

        private async Task<FactorSnapshot?> BestFactorsAsync(TrainerState state, CancellationToken cancellationToken)
        {
            if (state.BestEpoch == 0)
            {
                return null;
            }

            if (state.BestEpoch == state.Epoch)
            {
                return _model.ExportFactors();
            }

            CheckpointRecord record = await _checkpoints.ReadRecordAsync(state.BestEpoch, cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidModelArtifactException(ModelArtifactPaths.CheckpointRecord(_run.RunId, state.BestEpoch), "the checkpoint of the best epoch does not exist");
            using EmbeddingModel best = ModelFactory.Create(_shape, ModelLossSettings.ForScoring);
            await _checkpoints.LoadAsync(record, best, optimizer: null, cancellationToken).ConfigureAwait(false);
            return best.ExportFactors();
        }

        private async Task InitializeAsync(CancellationToken cancellationToken)
        {
            using (var generator = new Generator(DeriveSeed(_options.Seed, 0), torch.CPU))
            {
                _model.InitializeParameters(generator, _options.InitialStandardDeviation);
            }

            // A closed-form fit has nothing to start from.
            if (_run.WarmStartRunId is { } sourceRunId && _model is not (EaseModel or BlendModel))
            {
                ModelManifest source = await TrainedModel.ReadFinishedManifestAsync(_store, sourceRunId, cancellationToken).ConfigureAwait(false);
                ModelVocabulary sourceVocabulary = await TrainedModel.ReadVocabularyAsync(_store, source, cancellationToken).ConfigureAwait(false);
                using EmbeddingModel sourceModel = await TrainedModel.LoadModuleAsync(_store, source, source.BestEpoch, cancellationToken).ConfigureAwait(false);
                (int sharedUsers, int sharedItems) = WarmStart.Apply(_model, _data.UserIds, _data.ItemIds, sourceModel, sourceVocabulary.UserIds, sourceVocabulary.ItemIds);
                _warmStart = new WarmStartRecord(sourceRunId, source.BestEpoch, sharedUsers, sharedItems);
                TrainingLog.WarmStarted(Logger, _run.RunId, sourceRunId, source.BestEpoch, sharedUsers, sharedItems);
            }

            await ModelArtifactJson.WriteAsync(_store, ModelArtifactPaths.Vocabulary(_run.RunId), new ModelVocabulary(_data.UserIds, _data.ItemIds), cancellationToken).ConfigureAwait(false);
            await WriteManifestAsync(new TrainerState(0, TrainingStatus.Running, 0, null, 0, []), cancellationToken).ConfigureAwait(false);
        }

        private Adam CreateOptimizer() =>
            torch.optim.Adam(_model.parameters(), lr: _options.LearningRate!.Value, weight_decay: _options.WeightDecay);

        private async Task<TrainingResult> FinishAsync(TrainerState state, FactorSnapshot? bestFactors, int resumedFrom, CancellationToken cancellationToken)
        {
            // Without a validator the best epoch is the last one: the model as it stands, not factors kept from a resumed call's start.
            if (bestFactors is null || state.BestEpoch == 0 || _validator is null)
            {
                bestFactors = _model.ExportFactors();
                state = state with { BestEpoch = state.Epoch };
            }

            await WriteManifestAsync(state, cancellationToken).ConfigureAwait(false);
            return new TrainingResult
            {
                RunId = _run.RunId,
                Kind = _shape.Kind,
                Status = state.Status,
                Factors = bestFactors,
                BestEpoch = state.BestEpoch,
                BestMetric = state.BestMetric,
                MetricName = _validator?.MetricName,
                Epochs = state.Epochs,
                ResumedFromEpoch = resumedFrom,
                Device = _deviceName,
                FellBackToCpu = _fellBack,
            };
        }

        private Task WriteManifestAsync(TrainerState state, CancellationToken cancellationToken)
        {
            var manifest = new ModelManifest
            {
                RunId = _run.RunId,
                Kind = _shape.Kind,
                DatasetVersion = _data.Version,
                UserCount = _shape.UserCount,
                ItemCount = _shape.ItemCount,
                Dimension = _shape.Dimension,
                Parameters = ModelFactory.ExpectedParameters(_shape),
                Options = _options,
                Device = _deviceName,
                FellBackToCpu = _fellBack,
                Status = state.Status,
                MetricName = _validator?.MetricName,
                HigherIsBetter = _validator?.HigherIsBetter,
                BestEpoch = state.BestEpoch,
                BestMetric = state.BestMetric,
                Epochs = state.Epochs,
                WarmStart = _warmStart,
                RefitOf = _run.RefitOf,
                TorchSharpVersion = TorchRuntime.Version,
                CreatedAt = _createdAt,
                UpdatedAt = _trainer._time.GetUtcNow(),
            };
            return ModelArtifactJson.WriteAsync(_store, ModelArtifactPaths.Manifest(_run.RunId), manifest, cancellationToken);
        }

        private static void CopyOptimizerState(Adam source, Adam target)
        {
            using var noGrad = torch.no_grad();
            List<OptimizerState> from = source.state_dict().State;
            List<OptimizerState> to = target.state_dict().State;
            for (int i = 0; i < from.Count; i++)
            {
                var sourceState = (Adam.State)from[i];
                var targetState = (Adam.State)to[i];
                targetState.step = sourceState.step;
                targetState.exp_avg.copy_(sourceState.exp_avg);
                targetState.exp_avg_sq.copy_(sourceState.exp_avg_sq);
            }
        }

        private Tensor IndicesOnDevice(int[] indices)
        {
            using Tensor host = torch.tensor(indices);
            return host.to(ScalarType.Int64, _device);
        }

        private Tensor WeightsOnDevice(float[] weights)
        {
            using Tensor host = torch.tensor(weights);
            return host.to(_device, copy: true);
        }

        private static ItemSampler? CreateSampler(CuratedDataset data, TrainingOptions options, ModelShape shape, Device device)
        {
            if (shape.Kind != ModelKind.Softmax || shape.ItemCount <= options.FullSoftmaxMaxItems)
            {
                return null;
            }

            return options.NegativeSampling == NegativeSampling.LogUniform
                ? ItemSampler.LogUniform(shape.ItemCount, data.Train.Items, device)
                : ItemSampler.Uniform(shape.ItemCount);
        }

        private static float MeanRating(CuratedDataset data)
        {
            if (!data.IsExplicit)
            {
                return 0f;
            }

            double sum = 0;
            foreach (float weight in data.Train.Weights)
            {
                sum += weight;
            }

            return (float)(sum / data.Train.Count);
        }
    }
}
