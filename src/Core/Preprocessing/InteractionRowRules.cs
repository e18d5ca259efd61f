using Recommender.Core.Ingestion;

namespace Recommender.Core.Preprocessing;

/// <summary>
/// Applies the row rules to each batch as it streams in: drops and counts unusable rows, turns ratings and
/// event types into weights, encodes ids into the vocabularies and appends the kept rows to the columns.
/// One instance serves all logs of a run so that their ids share one vocabulary.
/// </summary>
internal sealed class InteractionRowRules
{
    private readonly bool _explicit;
    private readonly float? _ratingThreshold;
    private readonly Dictionary<string, float>? _eventWeights;
    private readonly bool _dropUnknownEventTypes;
    private readonly float _defaultEventWeight;
    private readonly bool _timestampRequired;
    private readonly HashSet<string> _weightedTypesMatched = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _unweightedTypesSeen = new(StringComparer.OrdinalIgnoreCase);
    private int[] _userCodes = new int[4096];
    private int[] _itemCodes = new int[4096];

    public InteractionRowRules(PreprocessingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _explicit = options.Feedback == FeedbackKind.Explicit;
        _ratingThreshold = options.RatingThreshold;
        if (!_explicit && options.EventWeights.Count > 0)
        {
            _eventWeights = new Dictionary<string, float>(options.EventWeights, StringComparer.OrdinalIgnoreCase);
        }

        _dropUnknownEventTypes = options.UnknownEventTypes == UnknownEventTypePolicy.Drop;
        _defaultEventWeight = options.DefaultEventWeight;
        _timestampRequired = options.Split.Kind == SplitKind.ChronologicalPerUser;
        Users = new ExternalIdVocabulary(options.MaxIdLength);
        Items = new ExternalIdVocabulary(options.MaxIdLength);
    }

    public ExternalIdVocabulary Users { get; }

    public ExternalIdVocabulary Items { get; }

    public InteractionColumns Columns { get; } = new();

    /// <summary>Most distinct unweighted event types <see cref="UnweightedEventTypesSeen"/> remembers (a column mapped as event type by mistake may hold millions).</summary>
    public const int MaxUnweightedEventTypesSeen = 1_000;

    /// <summary>The configured event weights some row matched (names compared case-insensitively): the others matched no row, a misspelt type among them.</summary>
    public IReadOnlyCollection<string> WeightedEventTypesMatched => _weightedTypesMatched;

    /// <summary>Event types of rows that have no configured weight, while weights are configured (up to <see cref="MaxUnweightedEventTypesSeen"/>).</summary>
    public IReadOnlyCollection<string> UnweightedEventTypesSeen => _unweightedTypesSeen;

    /// <summary>The (user code, item code) of each row dropped for a rating below the threshold, packed as user &lt;&lt; 32 | item.</summary>
    public List<long> BelowThresholdPairs { get; } = [];

    /// <summary>
    /// Appends the usable rows of <paramref name="batch"/> and counts the others in <paramref name="dropped"/>.
    /// Throws <see cref="InvalidInteractionLogException"/> when the batch cannot serve these options at all.
    /// </summary>
    public void Append(InteractionBatch batch, RowDropTally dropped)
    {
        int count = CheckShape(batch);
        if (_explicit && batch.Values is null)
        {
            throw new InvalidInteractionLogException(batch.Source, null, "explicit feedback needs a rating column, and the log has none");
        }

        if (_ratingThreshold is not null && batch.Values is null)
        {
            throw new InvalidInteractionLogException(batch.Source, null, "a rating threshold is configured, and the log has no rating column");
        }

        if (_userCodes.Length < count)
        {
            _userCodes = new int[Math.Max(count, _userCodes.Length * 2)];
            _itemCodes = new int[_userCodes.Length];
        }

        Span<int> userCodes = _userCodes.AsSpan(0, count);
        Span<int> itemCodes = _itemCodes.AsSpan(0, count);
        Users.Encode(batch.Users, userCodes);
        Items.Encode(batch.Items, itemCodes);
        // Room for the rest of the file at once: one block of columns per file instead of one per batch.
        long rest = batch.RowsInLog is { } total && total - batch.FirstRow > count ? total - batch.FirstRow : count;
        Columns.EnsureRoom(count, (int)Math.Min(rest, Array.MaxLength - (long)Columns.Count));

        float[]? values = batch.Values;
        string?[]? eventTypes = _eventWeights is null ? null : batch.EventTypes;
        long[]? timestamps = batch.TimestampsMicros;
        bool thresholded = _ratingThreshold.HasValue;
        float threshold = _ratingThreshold.GetValueOrDefault();
        EventTypeWeights? eventTypeWeights = eventTypes is null ? null : new EventTypeWeights(_eventWeights!, _weightedTypesMatched, _unweightedTypesSeen);

        for (int row = 0; row < count; row++)
        {
            int user = userCodes[row];
            int item = itemCodes[row];
            if ((user | item) < 0)
            {
                dropped.Add(ReasonForIds(user, item));
                continue;
            }

            float weight = 1f;
            if (values is not null)
            {
                float value = values[row];
                if (!float.IsFinite(value))
                {
                    dropped.Add(float.IsInfinity(value) ? RowDropReason.InfiniteValue : RowDropReason.NonFiniteValue);
                    continue;
                }

                if (thresholded)
                {
                    if (value < threshold)
                    {
                        dropped.Add(RowDropReason.BelowRatingThreshold);
                        BelowThresholdPairs.Add(((long)user << 32) | (uint)item);
                        continue;
                    }
                }
                else
                {
                    weight = value;
                }
            }

            if (eventTypes is not null)
            {
                string? eventType = eventTypes[row];
                if (eventType is null || !eventTypeWeights!.TryWeightOf(eventType, out float eventWeight))
                {
                    if (_dropUnknownEventTypes)
                    {
                        dropped.Add(RowDropReason.UnknownEventType);
                        continue;
                    }

                    eventWeight = _defaultEventWeight;
                }

                weight *= eventWeight;
            }

            if (!_explicit && !(weight > 0f && float.IsFinite(weight)))
            {
                dropped.Add(RowDropReason.NonPositiveWeight);
                continue;
            }

            long timestamp = timestamps is null ? InteractionBatch.MissingTimestamp : timestamps[row];
            if (timestamp == InteractionBatch.MissingTimestamp)
            {
                if (_timestampRequired)
                {
                    dropped.Add(RowDropReason.MissingTimestamp);
                    continue;
                }

                timestamp = 0;
            }

            Columns.Append(user, item, weight, timestamp);
        }
    }

    private static int CheckShape(InteractionBatch batch)
    {
        int count = batch.Count;
        bool consistent = count >= 0
            && batch.Users.Length == count
            && batch.Items.Length == count
            && (batch.Values is null || batch.Values.Length == count)
            && (batch.EventTypes is null || batch.EventTypes.Length == count)
            && (batch.TimestampsMicros is null || batch.TimestampsMicros.Length == count)
            && (batch.Users.IsNull is null || batch.Users.IsNull.Length == count)
            && (batch.Items.IsNull is null || batch.Items.IsNull.Length == count);
        if (!consistent)
        {
            throw new InvalidInteractionLogException(
                batch.Source, null, $"the batch starting at row {batch.FirstRow} has columns of different lengths (expected {count} rows)");
        }

        return count;
    }

    private static RowDropReason ReasonForIds(int user, int item)
    {
        if (user == ExternalIdVocabulary.Missing)
        {
            return RowDropReason.MissingUserId;
        }

        if (item == ExternalIdVocabulary.Missing)
        {
            return RowDropReason.MissingItemId;
        }

        return ReasonForUnusable(user < 0 ? user : item);
    }

    private static RowDropReason ReasonForUnusable(int code) => code switch
    {
        ExternalIdVocabulary.Blank => RowDropReason.BlankId,
        ExternalIdVocabulary.TooLong => RowDropReason.IdTooLong,
        _ => RowDropReason.IdWithControlCharacters,
    };

    /// <summary>
    /// The weights of a batch's event types, remembered by reference: readers give each distinct event type of a batch
    /// one shared string, so a handful of strings repeat on every row and each is looked up once.
    /// </summary>
    private sealed class EventTypeWeights(Dictionary<string, float> weights, HashSet<string> matched, HashSet<string> unweighted)
    {
        private const int Remembered = 8;
        private readonly string?[] _types = new string?[Remembered];
        private readonly float[] _weights = new float[Remembered];
        private readonly bool[] _known = new bool[Remembered];
        private int _count;

        /// <summary>The configured weight of <paramref name="eventType"/>; false when it has none.</summary>
        public bool TryWeightOf(string eventType, out float weight)
        {
            for (int i = 0; i < _count; i++)
            {
                if (ReferenceEquals(_types[i], eventType))
                {
                    weight = _weights[i];
                    return _known[i];
                }
            }

            bool known = weights.TryGetValue(eventType, out weight);
            if (known ? matched.Count < weights.Count : unweighted.Count < MaxUnweightedEventTypesSeen)
            {
                (known ? matched : unweighted).Add(eventType);
            }

            if (_count < Remembered)
            {
                (_types[_count], _weights[_count], _known[_count]) = (eventType, weight, known);
                _count++;
            }

            return known;
        }
    }
}
