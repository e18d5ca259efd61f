using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Recommender.Core.Datasets;
using Recommender.Core.Ingestion;
using Recommender.Core.Lookup;
using Recommender.Core.Preprocessing;
using Recommender.Core.Storage;
using Recommender.Core.Training;

namespace Recommender.Core.Pipeline;

/// <summary>
/// The pipeline's stages, one class each: the one implementation behind the Functions activities and the
/// CLI's sequential run. Each stage is idempotent for a run id: paths are derived from it, training resumes
/// from its checkpoints and lookup rows are upserts under the run's version.
/// </summary>
/// <param name="Preprocess">Stage 1: raw logs into a curated dataset.</param>
/// <param name="Train">Stage 2: a run's model, its refit, or the automatic choice.</param>
/// <param name="Evaluate">Stage 3: metrics against popularity and the live model, and the gate.</param>
/// <param name="Scoring">Stage 4: the scoring bundle, then the shards' top-K lists.</param>
/// <param name="Publish">Stage 5: the fallback list, the switch of version, the pruning.</param>
public sealed record PipelineStages(PreprocessStage Preprocess, TrainStage Train, EvaluateStage Evaluate, ScoringStage Scoring, PublishStage Publish)
{
    /// <summary>
    /// The stages wired by hand over one store, lookup table and set of logs, for hosts without a service
    /// container (the CLI, tests); the Functions app registers each stage and collaborator by type instead.
    /// </summary>
    public static PipelineStages Create(
        IArtifactStore artifacts,
        ILookupStore lookup,
        IInteractionLogSource logs,
        IOptions<PreprocessingOptions> preprocessing,
        IOptions<TrainingOptions> training,
        ColumnMapping? mapping = null,
        ILoggerFactory? loggers = null,
        TimeProvider? time = null)
    {
        loggers ??= NullLoggerFactory.Instance;
        var datasets = new CuratedDatasetReader(artifacts);
        var step = new PreprocessStep(
            new InteractionLogReader(loggers.CreateLogger<InteractionLogReader>()),
            new InteractionPreprocessor(loggers.CreateLogger<InteractionPreprocessor>()));
        return new PipelineStages(
            new PreprocessStage(artifacts, lookup, logs, step, preprocessing, mapping, loggers.CreateLogger<PreprocessStage>()),
            new TrainStage(artifacts, datasets, new ModelTrainer(loggers.CreateLogger<ModelTrainer>(), time), training, loggers.CreateLogger<TrainStage>()),
            new EvaluateStage(artifacts, datasets, training, loggers.CreateLogger<EvaluateStage>()),
            new ScoringStage(artifacts, lookup, datasets, time, loggers.CreateLogger<ScoringStage>()),
            new PublishStage(lookup, datasets, time, loggers.CreateLogger<PublishStage>()));
    }
}
