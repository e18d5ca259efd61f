using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Recommender.Core.Ingestion;
using Recommender.Core.Lookup;
using Recommender.Core.Pipeline;
using Recommender.Core.Preprocessing;
using Recommender.Core.Storage;
using Recommender.Core.Training;

namespace Recommender.Cli;

/// <summary>The pipeline's parts on the embedded default: a local artifact folder and SQLite.</summary>
internal sealed class LocalPipeline : IDisposable
{
    public LocalPipeline(StoreLayout layout, IInteractionLogSource logs, PreprocessingOptions preprocessing, TrainingOptions training, ColumnMapping mapping, ILoggerFactory loggers)
    {
        Logs = logs;
        Artifacts = new LocalArtifactStore(layout.Artifacts);
        Lookup = new SqliteLookupStore(layout.LookupDatabase);
        History = new RunHistory(Artifacts);
        Stages = PipelineStages.Create(Artifacts, Lookup, logs, Options.Create(preprocessing), Options.Create(training), mapping, loggers);
    }

    public IInteractionLogSource Logs { get; }

    public LocalArtifactStore Artifacts { get; }

    public SqliteLookupStore Lookup { get; }

    public RunHistory History { get; }

    public PipelineStages Stages { get; }

    public SequentialPipeline Sequential => new(Stages, History);

    public void Dispose() => Lookup.Dispose();
}
