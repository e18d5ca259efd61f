using System.ComponentModel.DataAnnotations;

namespace Recommender.Core.Preprocessing;

/// <summary>
/// How raw interaction logs become a curated dataset: how rows are weighted, which rows are
/// dropped, how duplicates combine, the k-core filter and the train/validation split.
/// Bound from configuration section <see cref="SectionName"/> and validated with data annotations.
/// </summary>
public sealed class PreprocessingOptions : IValidatableObject
{
    /// <summary>Configuration section the options are bound from, as a full path (<c>Recommender__Preprocessing__*</c> as environment variables).</summary>
    public const string SectionName = "Recommender:Preprocessing";

    /// <summary>Implicit feedback (weights are confidences) or explicit ratings (weights are ratings, trained with MSE).</summary>
    public FeedbackKind Feedback { get; set; } = FeedbackKind.Implicit;

    /// <summary>
    /// Weight of each event type (case-insensitive), e.g. view = 1, click = 2, purchase = 5. Empty means event types
    /// are ignored. Used for implicit feedback only, where it multiplies the row's value (1 when the log has none).
    /// </summary>
    public Dictionary<string, float> EventWeights { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>What happens to rows whose event type is null or not in <see cref="EventWeights"/>.</summary>
    public UnknownEventTypePolicy UnknownEventTypes { get; set; } = UnknownEventTypePolicy.Drop;

    /// <summary>Weight of unknown event types when <see cref="UnknownEventTypes"/> is <see cref="UnknownEventTypePolicy.UseDefaultWeight"/>.</summary>
    [Range(float.Epsilon, float.MaxValue)]
    public float DefaultEventWeight { get; set; } = 1f;

    /// <summary>
    /// How repeated (user, item) rows combine; null picks <see cref="DuplicatePolicy.Sum"/> for implicit feedback
    /// (repeated events add confidence) and <see cref="DuplicatePolicy.Last"/> for explicit ratings (the latest rating counts).
    /// </summary>
    public DuplicatePolicy? Duplicates { get; set; }

    /// <summary>
    /// When set, only rows whose value is at least this are kept, and each kept row counts as one implicit
    /// interaction of weight 1 (e.g. ratings of 4 and 5 as "liked"). Requires implicit feedback. The pairs rated
    /// lower are kept aside as seen (<c>CuratedDataset.SeenOnly</c>): never recommended to their user.
    /// </summary>
    public float? RatingThreshold { get; set; }

    /// <summary>Minimum interactions a user keeps after filtering (iterative k-core together with <see cref="MinItemInteractions"/>); 1 disables it.</summary>
    [Range(1, int.MaxValue)]
    public int MinUserInteractions { get; set; } = 1;

    /// <summary>Minimum interactions an item keeps after filtering; 1 disables it.</summary>
    [Range(1, int.MaxValue)]
    public int MinItemInteractions { get; set; } = 1;

    /// <summary>Longest external id accepted, in UTF-16 characters; longer ids are dropped and counted.</summary>
    [Range(1, 1 << 20)]
    public int MaxIdLength { get; set; } = ExternalIdRule.DefaultMaxLength;

    /// <summary>How the interactions are split into train and validation.</summary>
    [Required]
    public SplitOptions Split { get; set; } = new();

    /// <summary>The duplicate policy in effect once the feedback kind's default is applied.</summary>
    public DuplicatePolicy EffectiveDuplicatePolicy =>
        Duplicates ?? (Feedback == FeedbackKind.Explicit ? DuplicatePolicy.Last : DuplicatePolicy.Sum);

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (RatingThreshold is { } threshold)
        {
            if (!float.IsFinite(threshold))
            {
                yield return new ValidationResult("RatingThreshold must be a finite number.", [nameof(RatingThreshold)]);
            }

            if (Feedback == FeedbackKind.Explicit)
            {
                yield return new ValidationResult(
                    "RatingThreshold turns ratings into implicit interactions; it cannot be combined with explicit feedback.",
                    [nameof(RatingThreshold), nameof(Feedback)]);
            }
        }

        if (EventWeights is null)
        {
            yield return new ValidationResult("EventWeights must not be null (leave it empty to ignore event types).", [nameof(EventWeights)]);
            yield break;
        }

        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach ((string eventType, float weight) in EventWeights)
        {
            if (string.IsNullOrWhiteSpace(eventType))
            {
                yield return new ValidationResult("EventWeights has an empty event type.", [nameof(EventWeights)]);
            }
            else if (!seen.Add(eventType))
            {
                yield return new ValidationResult($"EventWeights lists event type '{eventType}' twice (names are case-insensitive).", [nameof(EventWeights)]);
            }

            if (!float.IsFinite(weight) || weight <= 0)
            {
                yield return new ValidationResult($"EventWeights['{eventType}'] must be a positive finite number, not {weight}.", [nameof(EventWeights)]);
            }
        }

        if (Split is not null)
        {
            var results = new List<ValidationResult>();
            Validator.TryValidateObject(Split, new ValidationContext(Split), results, validateAllProperties: true);
            foreach (ValidationResult result in results)
            {
                yield return new ValidationResult($"Split: {result.ErrorMessage}", result.MemberNames.Select(name => $"{nameof(Split)}.{name}").ToArray());
            }
        }
    }
}

/// <summary>How the curated dataset is split into train and validation interactions.</summary>
public sealed class SplitOptions : IValidatableObject
{
    /// <summary>The split protocol.</summary>
    public SplitKind Kind { get; set; } = SplitKind.StratifiedPerItem;

    /// <summary>Share of each group's interactions that goes to train (the rest is validation).</summary>
    [Range(0d, 1d, MinimumIsExclusive = true, MaximumIsExclusive = true)]
    public double TrainRatio { get; set; } = 0.75;

    /// <summary>
    /// For <see cref="SplitKind.ChronologicalPerUser"/>: hold out each user's last N interactions instead of a
    /// share (a user always keeps at least one training interaction). Null uses <see cref="TrainRatio"/>.
    /// </summary>
    [Range(1, int.MaxValue)]
    public int? ValidationLastN { get; set; }

    /// <summary>Seed of the random splits (the same seed gives the same split).</summary>
    [Range(0, int.MaxValue)]
    public int Seed { get; set; } = 42;

    /// <summary>Where the random splits' draws come from; <see cref="SplitDraws.PerPair"/> unless set.</summary>
    public SplitDraws Draws { get; set; } = SplitDraws.PerPair;

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (ValidationLastN is not null && Kind != SplitKind.ChronologicalPerUser)
        {
            yield return new ValidationResult(
                $"ValidationLastN applies to the {nameof(SplitKind.ChronologicalPerUser)} split only, not to {Kind}.",
                [nameof(ValidationLastN), nameof(Kind)]);
        }
    }
}

/// <summary>Whether interaction weights are implicit confidences or explicit ratings.</summary>
public enum FeedbackKind
{
    /// <summary>Weights are positive confidences (counts, event weights); models rank observed over unobserved items.</summary>
    Implicit,

    /// <summary>Weights are ratings that models regress on (MSE).</summary>
    Explicit,
}

/// <summary>How repeated (user, item) rows become one interaction.</summary>
public enum DuplicatePolicy
{
    /// <summary>Weights add up; the interaction keeps the latest time.</summary>
    Sum,

    /// <summary>The largest weight wins; the interaction keeps the latest time.</summary>
    Max,

    /// <summary>The latest row by time wins (by position in the log when times tie or are missing).</summary>
    Last,
}

/// <summary>What happens to rows whose event type has no configured weight.</summary>
public enum UnknownEventTypePolicy
{
    /// <summary>Drop the row and count it.</summary>
    Drop,

    /// <summary>Keep the row with <see cref="PreprocessingOptions.DefaultEventWeight"/>.</summary>
    UseDefaultWeight,
}

/// <summary>
/// Where the random splits (<see cref="SplitKind.StratifiedPerItem"/>, <see cref="SplitKind.StratifiedPerUser"/>,
/// <see cref="SplitKind.RandomPerUser"/>) get the number each interaction is ranked by within its group; each group
/// keeps its rows with the smallest numbers for training either way.
/// </summary>
public enum SplitDraws
{
    /// <summary>
    /// A hash of the seed and the interaction's external user and item ids: an interaction falls on the same side of
    /// the split run after run however the log grows or in which order its files are read (only rows near a group's
    /// cut move when the group grows), so a later run's validation part holds next to nothing the live model
    /// trained on, and comparing with it, or warm-starting from it, stays fair.
    /// </summary>
    PerPair,

    /// <summary>
    /// The i-th number of NumPy's legacy Mersenne Twister seeded with the seed for the i-th row, as
    /// <c>python_stratified_split</c> of Microsoft Recommenders draws them: reproduces its split of rows in the same
    /// order, and reshuffles it whenever rows come in another order (a new file sorting before the old ones).
    /// </summary>
    RowOrder,
}

/// <summary>Train/validation split protocols.</summary>
public enum SplitKind
{
    /// <summary>
    /// Per item, a random <see cref="SplitOptions.TrainRatio"/> of its interactions go to train: the
    /// <c>python_stratified_split(filter_by="item")</c> protocol of Microsoft Recommenders.
    /// </summary>
    StratifiedPerItem,

    /// <summary>The same protocol grouped by user (<c>filter_by="user"</c>).</summary>
    StratifiedPerUser,

    /// <summary>
    /// Per user, a random <c>round((1 - TrainRatio) * n)</c> of the user's n interactions are held out, at most
    /// n - 1, so every user keeps at least one training interaction.
    /// </summary>
    RandomPerUser,

    /// <summary>
    /// Per user, the latest interactions are held out: <c>round((1 - TrainRatio) * n)</c> of them, or the last
    /// <see cref="SplitOptions.ValidationLastN"/>; at most n - 1, so every user keeps at least one to train on.
    /// </summary>
    ChronologicalPerUser,
}
