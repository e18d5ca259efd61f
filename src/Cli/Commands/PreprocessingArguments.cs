using System.CommandLine;
using System.ComponentModel.DataAnnotations;
using Recommender.Core.Ingestion;
using Recommender.Core.Preprocessing;

namespace Recommender.Cli.Commands;

/// <summary>The column-mapping and preprocessing options shared by <c>preprocess</c> and <c>run</c>.</summary>
internal sealed class PreprocessingArguments
{
    private readonly Option<SplitKind> _split = CheckedOption.Choice(
        "--split",
        "Train/validation split: StratifiedPerItem (the Microsoft Recommenders benchmark protocol), StratifiedPerUser, RandomPerUser or ChronologicalPerUser.",
        SplitKind.StratifiedPerItem);

    private readonly Option<double?> _ratio = CheckedOption.Number<double, SplitOptions>(
        "--train-ratio", "Share of each group's interactions that goes to train. Default 0.75.", nameof(SplitOptions.TrainRatio));

    private readonly Option<int?> _lastN = CheckedOption.Number<int, SplitOptions>(
        "--validation-last", "ChronologicalPerUser only: hold out each user's last N interactions instead of a ratio.", nameof(SplitOptions.ValidationLastN));

    private readonly Option<int?> _seed = CheckedOption.Number<int, SplitOptions>("--seed", "Random seed of the split. Default 42.", nameof(SplitOptions.Seed));

    private readonly Option<bool> _explicit = new("--explicit") { Description = "Treat values as explicit ratings (trained with MSE)." };

    private readonly Option<float?> _threshold = CheckedOption.Number(
        "--rating-threshold", "Keep only rows whose rating is at least this, as implicit interactions; items a user rated lower are still never recommended to that user.", float.MinValue, float.MaxValue);

    private readonly Option<int?> _minUser = CheckedOption.Number<int, PreprocessingOptions>(
        "--min-user-interactions", "k-core: fewest interactions a user keeps. Default 1.", nameof(PreprocessingOptions.MinUserInteractions));

    private readonly Option<int?> _minItem = CheckedOption.Number<int, PreprocessingOptions>(
        "--min-item-interactions", "k-core: fewest interactions an item keeps. Default 1.", nameof(PreprocessingOptions.MinItemInteractions));

    private readonly Option<DuplicatePolicy?> _duplicates = CheckedOption.Choice<DuplicatePolicy>("--duplicates", "How repeated (user, item) rows combine: Sum, Max or Last.");

    private readonly Option<string[]> _eventWeights = new("--event-weight")
    {
        Description = "Weight of an event type, as type=weight (repeatable), e.g. --event-weight view=1 --event-weight purchase=5.",
        AllowMultipleArgumentsPerToken = true,
    };

    private readonly Option<string?> _userColumn = new("--user-column") { Description = "Column with the user id (default: detected)." };

    private readonly Option<string?> _itemColumn = new("--item-column") { Description = "Column with the item id (default: detected)." };

    private readonly Option<string?> _valueColumn = new("--value-column") { Description = "Column with the rating or weight (default: detected; empty for none)." };

    private readonly Option<string?> _eventColumn = new("--event-column") { Description = "Column with the event type (default: detected; empty for none)." };

    private readonly Option<string?> _timeColumn = new("--time-column") { Description = "Column with the event time (default: detected; empty for none)." };

    private readonly Option<TimestampUnit> _timeUnit = CheckedOption.Choice(
        "--time-unit", "Unit of integer timestamps: Auto, Seconds, Milliseconds, Microseconds, Nanoseconds.", TimestampUnit.Auto);

    public PreprocessingArguments()
    {
        _eventWeights.Validators.Add(result =>
        {
            foreach (string pair in result.GetValueOrDefault<string[]>() ?? [])
            {
                if (!TryParseEventWeight(pair, out _, out _))
                {
                    result.AddError($"--event-weight must be type=weight with a positive weight, e.g. purchase=5; got '{pair}'.");
                }
            }
        });
    }

    public void AddTo(Command command)
    {
        foreach (Option option in new Option[] { _split, _ratio, _lastN, _seed, _explicit, _threshold, _minUser, _minItem, _duplicates, _eventWeights, _userColumn, _itemColumn, _valueColumn, _eventColumn, _timeColumn, _timeUnit })
        {
            command.Add(option);
        }
    }

    public ColumnMapping Mapping(ParseResult parse) => new()
    {
        UserColumn = parse.GetValue(_userColumn),
        ItemColumn = parse.GetValue(_itemColumn),
        ValueColumn = parse.GetValue(_valueColumn),
        EventTypeColumn = parse.GetValue(_eventColumn),
        TimestampColumn = parse.GetValue(_timeColumn),
        TimestampUnit = parse.GetValue(_timeUnit),
    };

    /// <summary>The preprocessing options the flags give, checked as a whole before any log is read.</summary>
    public PreprocessingOptions Options(ParseResult parse)
    {
        var defaults = new SplitOptions();
        var options = new PreprocessingOptions
        {
            Feedback = parse.GetValue(_explicit) ? FeedbackKind.Explicit : FeedbackKind.Implicit,
            RatingThreshold = parse.GetValue(_threshold),
            MinUserInteractions = parse.GetValue(_minUser) ?? 1,
            MinItemInteractions = parse.GetValue(_minItem) ?? 1,
            Duplicates = parse.GetValue(_duplicates),
            Split = new SplitOptions
            {
                Kind = parse.GetValue(_split),
                TrainRatio = parse.GetValue(_ratio) ?? defaults.TrainRatio,
                ValidationLastN = parse.GetValue(_lastN),
                Seed = parse.GetValue(_seed) ?? defaults.Seed,
            },
        };

        if (options.RatingThreshold is not null && options.Feedback == FeedbackKind.Explicit)
        {
            throw new ArgumentException("--rating-threshold turns ratings into implicit interactions; it cannot be combined with --explicit.");
        }

        if (options.Split.ValidationLastN is not null && options.Split.Kind != SplitKind.ChronologicalPerUser)
        {
            throw new ArgumentException("--validation-last needs --split ChronologicalPerUser.");
        }

        foreach (string pair in parse.GetValue(_eventWeights) ?? [])
        {
            _ = TryParseEventWeight(pair, out string eventType, out float weight);
            options.EventWeights[eventType] = weight;
        }

        if (options.EventWeights.Count > 0)
        {
            options.UnknownEventTypes = UnknownEventTypePolicy.UseDefaultWeight;
        }

        Validator.ValidateObject(options, new ValidationContext(options), validateAllProperties: true);
        Validator.ValidateObject(options.Split, new ValidationContext(options.Split), validateAllProperties: true);
        return options;
    }

    private static bool TryParseEventWeight(string pair, out string eventType, out float weight)
    {
        string[] parts = pair.Split('=', 2);
        eventType = parts[0].Trim();
        weight = 0;
        return parts.Length == 2 && eventType.Length > 0
            && float.TryParse(parts[1], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out weight)
            && float.IsFinite(weight) && weight > 0;
    }
}
