using System.Runtime.CompilerServices;
using Recommender.Core.Ingestion;
using Recommender.Core.Preprocessing;
using Recommender.Core.Storage;

namespace Recommender.Core.Pipeline;

/// <summary>Rows read so far from one log, for progress displays.</summary>
public sealed record LogReadProgress(string Source, long RowsRead, long RowsInLog);

/// <summary>
/// Step 1 of the pipeline: reads every log of a source with the Parquet reader and turns them
/// into a curated dataset in the artifact store. Logs that cannot be used are reported in the
/// result and left untouched; the step fails only when no usable log remains.
/// </summary>
public sealed class PreprocessStep(InteractionLogReader reader, InteractionPreprocessor preprocessor)
{
    /// <summary>Creates the step with default parts.</summary>
    public PreprocessStep()
        : this(new InteractionLogReader(), new InteractionPreprocessor())
    {
    }

    /// <summary>Preprocesses every log of <paramref name="source"/> into <c>datasets/{version}/</c> of <paramref name="store"/>.</summary>
    public async Task<PreprocessingResult> RunAsync(
        IInteractionLogSource source,
        ColumnMapping mapping,
        PreprocessingOptions options,
        IArtifactStore store,
        IProgress<LogReadProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(mapping);
        var inputs = new List<InteractionLogInput>();
        await foreach (InteractionLogFile file in source.ListAsync(cancellationToken).ConfigureAwait(false))
        {
            var schema = new Dictionary<string, string>(StringComparer.Ordinal);
            inputs.Add(new InteractionLogInput(file.Name, token => ReadAsync(source, file, mapping, schema, progress, token))
            {
                ETag = file.ETag,
                Size = file.Size,
                Schema = schema,
            });
        }

        if (inputs.Count == 0)
        {
            throw new NoUsableInteractionsException("No interaction log (*.parquet) was found in the input.", []);
        }

        return await preprocessor.RunAsync(inputs, options, store, cancellationToken).ConfigureAwait(false);
    }

    private async IAsyncEnumerable<InteractionBatch> ReadAsync(
        IInteractionLogSource source,
        InteractionLogFile file,
        ColumnMapping mapping,
        Dictionary<string, string> schema,
        IProgress<LogReadProgress>? progress,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        Stream stream = await source.OpenReadAsync(file, cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            InteractionLog log = await reader.OpenAsync(stream, file.Name, mapping, cancellationToken).ConfigureAwait(false);
            await using (log.ConfigureAwait(false))
            {
                Describe(log.Schema, schema);
                long rows = 0;
                // The preprocessor is done with each batch before it asks for the next, so batches can share their arrays.
                await foreach (InteractionBatch batch in log.ReadBatchesAsync(reuseArrays: true, cancellationToken).ConfigureAwait(false))
                {
                    rows += batch.Count;
                    progress?.Report(new LogReadProgress(file.Name, rows, log.RowCount));
                    yield return batch;
                }
            }
        }
    }

    private static void Describe(InteractionLogSchema resolved, Dictionary<string, string> schema)
    {
        Add("user", resolved.User);
        Add("item", resolved.Item);
        Add("value", resolved.Value);
        Add("eventType", resolved.EventType);
        Add("timestamp", resolved.Timestamp);
        if (resolved.EpochUnit is { } unit)
        {
            schema["epochUnit"] = resolved.EpochUnitDetected ? $"{unit} (detected)" : unit.ToString();
        }

        if (resolved.Skipped.Count > 0)
        {
            schema["skipped"] = string.Join("; ", resolved.Skipped);
        }

        void Add(string role, InteractionLogColumn? column)
        {
            if (column is not null)
            {
                schema[role] = $"{column.Name} {column.ParquetType}{(column.Detected ? " (detected)" : string.Empty)}";
            }
        }
    }
}
