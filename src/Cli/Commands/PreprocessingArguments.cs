using System.CommandLine;
using Recommender.Core.Ingestion;
using Recommender.Core.Preprocessing;

namespace Recommender.Cli.Commands;

/// <summary>The column-mapping and preprocessing options shared by <c>preprocess</c> and <c>run</c>.</summary>
internal sealed class PreprocessingArguments
{
    private readonly Option<SplitKind> _split = new("--split")
    {
        Description = "Train/validation split: StratifiedPerItem (the Microsoft Recommenders benchmark protocol), StratifiedPerUser, RandomPerUser or ChronologicalPerUser.",
        DefaultValueFactory = _ => SplitKind.StratifiedPerItem,
    };

    private readonly Option<double> _ratio = new("--train-ratio")
    {
        Description = "Share of each group's interactions that goes to train.",
        DefaultValueFactory = _ => 0.75,
    };

    private readonly Option<int?> _lastN = new("--validation-last")
    {
        Description = "ChronologicalPerUser only: hold out each user's last N interactions instead of a ratio.",
    };

    private readonly Option<int> _seed = new("--seed") { Description = "Random seed of the split.", DefaultValueFactory = _ => 42 };

    private readonly Option<bool> _explicit = new("--explicit") { Description = "Treat values as explicit ratings (trained with MSE)." };

    private readonly Option<float?> _threshold = new("--rating-threshold") { Description = "Keep only rows whose rating is at least this, as implicit interactions." };

    private readonly Option<int> _minUser = new("--min-user-interactions") { Description = "k-core: fewest interactions a user keeps.", DefaultValueFactory = _ => 1 };

    private readonly Option<int> _minItem = new("--min-item-interactions") { Description = "k-core: fewest interactions an item keeps.", DefaultValueFactory = _ => 1 };

    private readonly Option<DuplicatePolicy?> _duplicates = new("--duplicates") { Description = "How repeated (user, item) rows combine: Sum, Max or Last." };

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

    private readonly Option<TimestampUnit> _timeUnit = new("--time-unit") { Description = "Unit of integer timestamps: Auto, Seconds, Milliseconds, Microseconds, Nanoseconds.", DefaultValueFactory = _ => TimestampUnit.Auto };

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

    public PreprocessingOptions Options(ParseResult parse)
    {
        var options = new PreprocessingOptions
        {
            Feedback = parse.GetValue(_explicit) ? FeedbackKind.Explicit : FeedbackKind.Implicit,
            RatingThreshold = parse.GetValue(_threshold),
            MinUserInteractions = parse.GetValue(_minUser),
            MinItemInteractions = parse.GetValue(_minItem),
            Duplicates = parse.GetValue(_duplicates),
            Split = new SplitOptions
            {
                Kind = parse.GetValue(_split),
                TrainRatio = parse.GetValue(_ratio),
                ValidationLastN = parse.GetValue(_lastN),
                Seed = parse.GetValue(_seed),
            },
        };

        foreach (string pair in parse.GetValue(_eventWeights) ?? [])
        {
            string[] parts = pair.Split('=', 2);
            if (parts.Length != 2 || !float.TryParse(parts[1], System.Globalization.CultureInfo.InvariantCulture, out float weight))
            {
                throw new ArgumentException($"--event-weight '{pair}' is not type=weight.");
            }

            options.EventWeights[parts[0]] = weight;
        }

        if (options.EventWeights.Count > 0)
        {
            options.UnknownEventTypes = UnknownEventTypePolicy.UseDefaultWeight;
        }

        return options;
    }
}
