using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Recommender.Core.Datasets;
using Recommender.Core.Ingestion;
using Recommender.Core.Storage;

namespace Recommender.Core.Preprocessing;

/// <summary>
/// Turns interaction logs into a curated dataset: streams every log through the row rules into compact columns,
/// combines duplicates, applies the k-core filter, numbers users and items in ordinal order of their external ids,
/// splits train from validation and writes <c>datasets/{version}/</c>. A log that turns out unusable is rejected
/// as a whole and the others go on.
/// </summary>
/// <remarks>
/// Logs are read in ordinal order of their names, whatever order they are given in, so the same logs and options
/// always give the same dataset, byte for byte, under the same version.
/// </remarks>
public sealed class InteractionPreprocessor
{
    private const int VersionFormat = 1;
    private static readonly JsonSerializerOptions VersionJson = new(DatasetJson.Options) { WriteIndented = false };

    private readonly ILogger _logger;
    private readonly CuratedDatasetWriter _writer;

    /// <summary>Creates a preprocessor.</summary>
    public InteractionPreprocessor(ILogger<InteractionPreprocessor>? logger = null, CuratedDatasetWriter? writer = null)
    {
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _writer = writer ?? new CuratedDatasetWriter();
    }

    /// <summary>
    /// Preprocesses <paramref name="inputs"/> and writes the curated dataset to <paramref name="store"/>
    /// (overwriting a dataset of the same version, which has the same content).
    /// </summary>
    /// <exception cref="ValidationException">The options are invalid.</exception>
    /// <exception cref="NoUsableInteractionsException">Every log was rejected, or no row survived the cleaning.</exception>
    public async Task<PreprocessingResult> RunAsync(
        IReadOnlyList<InteractionLogInput> inputs, PreprocessingOptions options, IArtifactStore store, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        PreparedRows prepared = await PrepareAsync(inputs, options, cancellationToken).ConfigureAwait(false);

        // Train and validation rows are written straight from the shared columns: no copy of either is made.
        InteractionColumns columns = prepared.Columns;
        var train = new InteractionRows(columns.Users, columns.Items, columns.Weights, columns.Timestamps, columns.Count, prepared.HeldOut, PickedWhen: false);
        InteractionRows validation = train with { PickedWhen = true };
        await _writer.WriteAsync(store, prepared.Version, prepared.UserIds, prepared.ItemIds, train, validation, prepared.SeenOnly, prepared.Manifest, cancellationToken)
            .ConfigureAwait(false);
        PreprocessingLog.LogWritten(_logger, prepared.Version, prepared.Result.DatasetPath);
        return prepared.Result;
    }

    /// <summary>Preprocesses <paramref name="inputs"/> into a curated dataset in memory, without writing it.</summary>
    /// <exception cref="ValidationException">The options are invalid.</exception>
    /// <exception cref="NoUsableInteractionsException">Every log was rejected, or no row survived the cleaning.</exception>
    public async Task<PreprocessedDataset> BuildAsync(
        IReadOnlyList<InteractionLogInput> inputs, PreprocessingOptions options, CancellationToken cancellationToken = default)
    {
        PreparedRows prepared = await PrepareAsync(inputs, options, cancellationToken).ConfigureAwait(false);
        (InteractionTable train, InteractionTable validation) = prepared.Columns.SplitOff(prepared.HeldOut);
        var dataset = new CuratedDataset
        {
            Version = prepared.Version,
            UserIds = prepared.UserIds,
            ItemIds = prepared.ItemIds,
            Train = train,
            Validation = validation,
            SeenOnly = prepared.SeenOnly,
            IsExplicit = options.Feedback == FeedbackKind.Explicit,
        };
        return new PreprocessedDataset(dataset, prepared.Manifest, prepared.Result);
    }

    private async Task<PreparedRows> PrepareAsync(
        IReadOnlyList<InteractionLogInput> inputs, PreprocessingOptions options, CancellationToken cancellationToken)
    {
        InteractionLogInput[] ordered = CheckInputs(inputs);
        ArgumentNullException.ThrowIfNull(options);
        Validator.ValidateObject(options, new ValidationContext(options), validateAllProperties: true);

        var rules = new InteractionRowRules(options);
        var dropped = new RowDropTally();
        var sources = new List<ManifestSource>(ordered.Length);
        var rejected = new List<RejectedInteractionLog>();
        long rowsRead = 0;
        foreach (InteractionLogInput input in ordered)
        {
            ManifestSource? source = await ReadLogAsync(input, rules, dropped, rejected, cancellationToken).ConfigureAwait(false);
            if (source is not null)
            {
                sources.Add(source);
                rowsRead += source.RowsRead;
            }
        }

        if (sources.Count == 0)
        {
            throw new NoUsableInteractionsException(
                $"No usable interaction log: all {rejected.Count} were rejected: {string.Join("; ", rejected.Select(log => log.Describe()))}.", rejected);
        }

        InteractionColumns columns = rules.Columns;
        var steps = new List<CleaningStep>();
        long remaining = rowsRead;
        foreach ((RowDropReason reason, long count) in dropped.InRuleOrder())
        {
            steps.Add(new CleaningStep(JsonNamingPolicy.CamelCase.ConvertName(reason.ToString()), remaining, remaining - count));
            remaining -= count;
        }

        ThrowWhenEmpty(columns, "the row rules", rowsRead, dropped, rejected);
        ReclaimPhaseGarbage();

        int beforeDuplicates = columns.Count;
        int folded = DuplicateCombiner.Combine(columns, rules.Users.Count, options.EffectiveDuplicatePolicy);
        steps.Add(new CleaningStep("duplicates", beforeDuplicates, columns.Count));

        int beforeKCore = columns.Count;
        KCoreRemovals kCore = KCoreFilter.Apply(columns, rules.Users.Count, rules.Items.Count, options.MinUserInteractions, options.MinItemInteractions);
        steps.Add(new CleaningStep("kCore", beforeKCore, columns.Count));
        ThrowWhenEmpty(columns, "the k-core filter", rowsRead, dropped, rejected);

        (string[] userIds, string[] itemIds, int[] userIndex, int[] itemIndex) = NumberUsersAndItems(columns, rules);
        InteractionTable seenOnly = SeenOnlyPairs(rules.BelowThresholdPairs, userIndex, itemIndex, columns);
        bool[] heldOut = InteractionSplitter.HoldOut(columns, userIds, itemIds, options.Split);
        int interactions = columns.Count;
        int validationCount = CountHeldOut(heldOut, interactions);
        int trainCount = interactions - validationCount;
        columns.ReleaseScratch();
        ReclaimPhaseGarbage();

        // Rejected logs contribute no row, so they are no part of what the dataset is.
        var used = sources.Select(source => source.Source).ToHashSet(StringComparer.Ordinal);
        string version = ComputeVersion([.. ordered.Where(input => used.Contains(input.Source))], options);
        double density = (double)interactions / ((double)userIds.Length * itemIds.Length);
        var manifest = new DatasetManifest
        {
            Version = version,
            Feedback = options.Feedback,
            Sources = sources,
            RejectedSources = rejected,
            Options = ManifestOptions.From(options),
            Steps = steps,
            Split = new ManifestSplit(options.Split.Kind, options.Split.TrainRatio, options.Split.ValidationLastN, options.Split.Seed, trainCount, validationCount, options.Split.Draws),
            Statistics = new DatasetStatistics(userIds.Length, itemIds.Length, interactions, density),
            SeenOnlyPairs = seenOnly.Count,
            UserIdType = sources.Aggregate((ExternalIdType?)null, (type, source) => ExternalIdTypes.Combine(type, source.UserIdType)) ?? ExternalIdType.String,
            ItemIdType = sources.Aggregate((ExternalIdType?)null, (type, source) => ExternalIdTypes.Combine(type, source.ItemIdType)) ?? ExternalIdType.String,
        };
        var result = new PreprocessingResult
        {
            DatasetVersion = version,
            DatasetPath = CuratedDatasetLayout.FolderOf(version),
            RowsRead = rowsRead,
            RowsDropped = dropped.InRuleOrder().ToDictionary(pair => pair.Key, pair => pair.Value),
            DuplicatesCombined = folded,
            KCore = kCore,
            Users = userIds.Length,
            Items = itemIds.Length,
            Interactions = interactions,
            Density = density,
            TrainInteractions = trainCount,
            ValidationInteractions = validationCount,
            RejectedLogs = rejected,
            Sources = sources,
            EventWeightsUnmatched = options.Feedback == FeedbackKind.Explicit
                ? []
                : [.. options.EventWeights.Keys.Where(type => !rules.WeightedEventTypesMatched.Contains(type)).Order(StringComparer.Ordinal)],
            EventTypesUnweighted = [.. rules.UnweightedEventTypesSeen.Order(StringComparer.Ordinal).Take(PreprocessingResult.MaxEventTypesListed)],
        };
        PreprocessingLog.LogCurated(_logger, version, userIds.Length, itemIds.Length, interactions, trainCount, validationCount);
        return new PreparedRows(version, userIds, itemIds, columns, heldOut, seenOnly, manifest, result);
    }

    /// <summary>
    /// Collects the garbage a phase leaves behind (the readers' page buffers and last batches; the grouping and random
    /// draws of the split) before the next phase allocates. The GC sizes its next budget by what survived, which here
    /// is hundreds of megabytes of columns, so without this the next phase allocates on top of that garbage instead of
    /// into it, and peak memory is the sum of all phases rather than the largest one.
    /// </summary>
    private static void ReclaimPhaseGarbage()
    {
        System.Runtime.GCSettings.LargeObjectHeapCompactionMode = System.Runtime.GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
    }

    private static int CountHeldOut(bool[] heldOut, int count)
    {
        int held = 0;
        for (int row = 0; row < count; row++)
        {
            if (heldOut[row])
            {
                held++;
            }
        }

        return held;
    }

    private async Task<ManifestSource?> ReadLogAsync(
        InteractionLogInput input, InteractionRowRules rules, RowDropTally dropped, List<RejectedInteractionLog> rejected, CancellationToken cancellationToken)
    {
        int firstRow = rules.Columns.Count;
        var fileDropped = new RowDropTally();
        long rowsRead = 0;
        ExternalIdType? userIdType = null;
        ExternalIdType? itemIdType = null;
        try
        {
            await foreach (InteractionBatch batch in input.ReadBatches(cancellationToken).WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                rules.Append(batch, fileDropped);
                rowsRead += batch.Count;
                userIdType = ExternalIdTypes.Combine(userIdType, batch.Users.Type);
                itemIdType = ExternalIdTypes.Combine(itemIdType, batch.Items.Type);
            }
        }
        catch (InvalidInteractionLogException ex)
        {
            rules.Columns.Truncate(firstRow);
            rejected.Add(new RejectedInteractionLog(input.Source, input.ETag, input.Size, ex.Field, ex.Reason));
            PreprocessingLog.LogRejected(_logger, input.Source, ex.Field, ex.Reason);
            return null;
        }

        dropped.Add(fileDropped);
        long rowsKept = rules.Columns.Count - firstRow;
        PreprocessingLog.LogRead(_logger, input.Source, rowsRead, rowsKept);
        return new ManifestSource(input.Source, input.ETag, input.Size, CanonicalSchema(input.Schema), rowsRead, rowsKept, userIdType, itemIdType);
    }

    private static InteractionLogInput[] CheckInputs(IReadOnlyList<InteractionLogInput> inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Count == 0)
        {
            throw new ArgumentException("At least one interaction log is needed.", nameof(inputs));
        }

        var ordered = new InteractionLogInput[inputs.Count];
        for (int index = 0; index < ordered.Length; index++)
        {
            InteractionLogInput input = inputs[index] ?? throw new ArgumentException($"Interaction log {index} is null.", nameof(inputs));
            ArgumentException.ThrowIfNullOrWhiteSpace(input.Source, nameof(inputs));
            ordered[index] = input;
        }

        Array.Sort(ordered, (left, right) => string.CompareOrdinal(left.Source, right.Source));
        for (int index = 1; index < ordered.Length; index++)
        {
            if (string.Equals(ordered[index - 1].Source, ordered[index].Source, StringComparison.Ordinal))
            {
                throw new ArgumentException($"Interaction log '{ordered[index].Source}' is listed twice.", nameof(inputs));
            }
        }

        return ordered;
    }

    /// <summary>
    /// The pairs rated below the threshold only (none of their rows kept) whose user and item are in the dataset, as
    /// final indices, distinct and sorted: a user's low-rated items are no interactions, but they are never recommended
    /// to that user either. A pair also rated at or above the threshold is an interaction, in train or validation.
    /// </summary>
    private static InteractionTable SeenOnlyPairs(List<long> codePairs, int[] userIndex, int[] itemIndex, InteractionColumns kept)
    {
        // The set holds the candidates only, so its size follows the low-rated rows, not every interaction kept.
        var candidates = new HashSet<long>(codePairs.Count);
        foreach (long codes in codePairs)
        {
            int user = userIndex[(int)(codes >> 32)];
            int item = itemIndex[(int)(uint)codes];
            if ((user | item) >= 0)
            {
                candidates.Add(PairKey(user, item));
            }
        }

        for (int row = 0; row < kept.Count && candidates.Count > 0; row++)
        {
            candidates.Remove(PairKey(kept.Users[row], kept.Items[row]));
        }

        long[] pairs = [.. candidates];
        Array.Sort(pairs);
        var users = new int[pairs.Length];
        var items = new int[pairs.Length];
        for (int i = 0; i < pairs.Length; i++)
        {
            users[i] = (int)(pairs[i] >> 32);
            items[i] = (int)(uint)pairs[i];
        }

        return new InteractionTable(users, items, new float[pairs.Length], new long[pairs.Length]);

        static long PairKey(int user, int item) => ((long)user << 32) | (uint)item;
    }

    private static (string[] UserIds, string[] ItemIds, int[] UserIndex, int[] ItemIndex) NumberUsersAndItems(InteractionColumns columns, InteractionRowRules rules)
    {
        var userUsed = new bool[rules.Users.Count];
        var itemUsed = new bool[rules.Items.Count];
        int[] users = columns.Users;
        int[] items = columns.Items;
        for (int row = 0; row < columns.Count; row++)
        {
            userUsed[users[row]] = true;
            itemUsed[items[row]] = true;
        }

        (string[] userIds, int[] userIndex) = rules.Users.SortedExternalIds(userUsed);
        (string[] itemIds, int[] itemIndex) = rules.Items.SortedExternalIds(itemUsed);
        columns.Remap(userIndex, itemIndex);
        return (userIds, itemIds, userIndex, itemIndex);
    }

    private static void ThrowWhenEmpty(InteractionColumns columns, string stage, long rowsRead, RowDropTally dropped, List<RejectedInteractionLog> rejected)
    {
        if (columns.Count > 0)
        {
            return;
        }

        string drops = string.Join(", ", dropped.InRuleOrder().Where(pair => pair.Value > 0).Select(pair => $"{pair.Key} {pair.Value}"));
        string rejections = rejected.Count == 0 ? string.Empty : $" Rejected logs: {string.Join("; ", rejected.Select(log => log.Describe()))}.";
        string why = dropped.InRuleOrder().Any(pair => pair.Key == RowDropReason.MissingTimestamp && pair.Value > 0)
            ? $" The {nameof(SplitKind.ChronologicalPerUser)} split orders each user's interactions by time, and no row left had one: give the logs a time column, or choose another split."
            : string.Empty;
        throw new NoUsableInteractionsException(
            $"No interaction is left after {stage}: {rowsRead} rows read, dropped: {(drops.Length == 0 ? "none" : drops)}.{rejections}{why}", rejected);
    }

    private static SortedDictionary<string, string>? CanonicalSchema(IReadOnlyDictionary<string, string>? schema) =>
        schema is null ? null : new SortedDictionary<string, string>(schema.ToDictionary(pair => pair.Key, pair => pair.Value, StringComparer.Ordinal), StringComparer.Ordinal);

    /// <summary>
    /// The version is a hash of what identifies the logs that went in (names, ETags, sizes, column mapping) and of the
    /// options, so rerunning on unchanged logs with the same options and seed lands on the same version, and so does
    /// adding a log that is rejected.
    /// </summary>
    private static string ComputeVersion(InteractionLogInput[] ordered, PreprocessingOptions options)
    {
        var identity = new VersionIdentity(
            VersionFormat,
            ordered.Select(input => new VersionSource(input.Source, input.ETag, input.Size, CanonicalSchema(input.Schema))).ToArray(),
            ManifestOptions.From(options),
            new VersionSplit(options.Split.Kind, options.Split.TrainRatio, options.Split.ValidationLastN, options.Split.Seed, options.Split.Draws));
        byte[] hash = SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(identity, VersionJson));
        return Convert.ToHexStringLower(hash, 0, 10);
    }

    private sealed record VersionIdentity(int Format, VersionSource[] Sources, ManifestOptions Options, VersionSplit Split);

    private sealed record VersionSource(
        string Source,
        string? ETag,
        long? Size,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] SortedDictionary<string, string>? Schema);

    private sealed record VersionSplit(SplitKind Kind, double TrainRatio, int? ValidationLastN, int Seed, SplitDraws Draws);

    /// <summary>The curated rows before they become tables or files: final ids, columns and which rows are held out.</summary>
    private sealed record PreparedRows(
        string Version, string[] UserIds, string[] ItemIds, InteractionColumns Columns, bool[] HeldOut, InteractionTable SeenOnly, DatasetManifest Manifest, PreprocessingResult Result);
}

/// <summary>A curated dataset built in memory, with its manifest and summary.</summary>
/// <param name="Dataset">Users, items, train and validation.</param>
/// <param name="Manifest">What it was made from and how.</param>
/// <param name="Result">The summary.</param>
public sealed record PreprocessedDataset(CuratedDataset Dataset, DatasetManifest Manifest, PreprocessingResult Result);
