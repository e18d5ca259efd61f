using System.Globalization;
using Recommender.Core.Datasets;
using Recommender.Core.Ingestion;
using Recommender.Core.Preprocessing;
using static Recommender.Core.Tests.Preprocessing.InteractionLogs;

namespace Recommender.Core.Tests.Preprocessing;

public sealed class RowRulesTests
{
    [Fact]
    public async Task BuildAsync_NullUserId_DropsRowAsMissingUserId()
    {
        var batch = new InteractionBatch
        {
            Source = "a.parquet",
            FirstRow = 0,
            Count = 3,
            Users = IdColumn.FromNumbers([1, 2, 3], [false, true, false]),
            Items = IdColumn.FromNumbers([10, 10, 10]),
        };

        PreprocessedDataset prepared = await BuildAsync(Log("a.parquet", batch));

        Assert.Equal(1, prepared.Result.RowsDropped[RowDropReason.MissingUserId]);
        Assert.Equal(["1", "3"], prepared.Dataset.UserIds);
    }

    [Fact]
    public async Task BuildAsync_NullItemId_DropsRowAsMissingItemId()
    {
        PreprocessedDataset prepared = await BuildAsync(Log("a.parquet", Text(["u1", "u2", "u3"], ["i1", null, "i1"])));

        Assert.Equal(1, prepared.Result.RowsDropped[RowDropReason.MissingItemId]);
        Assert.Equal(2, prepared.Result.Interactions);
    }

    [Fact]
    public async Task BuildAsync_EmptyOrWhitespaceId_DropsRowAsBlankId()
    {
        PreprocessedDataset prepared = await BuildAsync(Log("a.parquet", Text(["u1", "", " \t", "u2"], ["i1", "i1", "i1", "  "])));

        Assert.Equal(3, prepared.Result.RowsDropped[RowDropReason.BlankId]);
        Assert.Equal(["u1"], prepared.Dataset.UserIds);
    }

    [Fact]
    public async Task BuildAsync_IdLongerThanMaximum_DropsRowAsIdTooLong()
    {
        PreprocessingOptions options = Options(o => o.MaxIdLength = 5);

        PreprocessedDataset prepared = await BuildAsync(options, Log("a.parquet", Text(["12345", "123456"], ["i1", "i1"])));

        Assert.Equal(1, prepared.Result.RowsDropped[RowDropReason.IdTooLong]);
        Assert.Equal(["12345"], prepared.Dataset.UserIds);
    }

    [Fact]
    public async Task BuildAsync_IdWithControlCharacter_DropsRowAsIdWithControlCharacters()
    {
        PreprocessedDataset prepared = await BuildAsync(Log("a.parquet", Text(["u1", "u\n2", "u3"], ["i1", "i1", "i\u00012"])));

        Assert.Equal(2, prepared.Result.RowsDropped[RowDropReason.IdWithControlCharacters]);
        Assert.Equal(["u1"], prepared.Dataset.UserIds);
    }

    [Fact]
    public async Task BuildAsync_NaNOrInfiniteValue_DropsNaNAsNonFiniteValueAndInfinityAsInfiniteValue()
    {
        PreprocessedDataset prepared = await BuildAsync(
            Log("a.parquet", Numeric([1, 2, 3, 4], [1, 1, 1, 1], values: [1f, float.NaN, float.PositiveInfinity, float.NegativeInfinity])));

        Assert.Equal(1, prepared.Result.RowsDropped[RowDropReason.NonFiniteValue]);
        Assert.Equal(2, prepared.Result.RowsDropped[RowDropReason.InfiniteValue]);
        Assert.Equal(1, prepared.Result.Interactions);
    }

    [Fact]
    public async Task BuildAsync_ImplicitZeroOrNegativeValue_DropsRowAsNonPositiveWeight()
    {
        PreprocessedDataset prepared = await BuildAsync(Log("a.parquet", Numeric([1, 2, 3], [1, 1, 1], values: [2f, 0f, -1f])));

        Assert.Equal(2, prepared.Result.RowsDropped[RowDropReason.NonPositiveWeight]);
        Assert.Equal(1, prepared.Result.Interactions);
    }

    [Fact]
    public async Task BuildAsync_NumericAndEqualStringIds_MapToOneExternalId()
    {
        InteractionLogInput numbers = Log("a.parquet", Numeric([42, 7], [1, 1], source: "a.parquet"));
        InteractionLogInput strings = Log("b.parquet", Text(["42", "042", "-7"], ["1", "1", "1"], source: "b.parquet"));

        PreprocessedDataset prepared = await BuildAsync(Options(o => o.Split.Kind = SplitKind.RandomPerUser), numbers, strings);

        Assert.Equal(["-7", "042", "42", "7"], prepared.Dataset.UserIds);
        Assert.Equal(["1"], prepared.Dataset.ItemIds);
        Assert.Equal(1, prepared.Result.DuplicatesCombined);
    }

    [Fact]
    public async Task BuildAsync_ExternalIds_NumberedInOrdinalOrder()
    {
        PreprocessedDataset prepared = await BuildAsync(Log("a.parquet", Text(["b", "a", "B", "10", "9"], ["x", "y", "x", "y", "x"])));

        Assert.Equal(["10", "9", "B", "a", "b"], prepared.Dataset.UserIds);
        Assert.Equal(["x", "y"], prepared.Dataset.ItemIds);
    }

    [Fact]
    public async Task BuildAsync_RatingThreshold_KeepsRowsAtOrAboveWithWeightOne()
    {
        PreprocessingOptions options = Options(o => o.RatingThreshold = 4);

        PreprocessedDataset prepared = await BuildAsync(options, Log("a.parquet", Numeric([1, 2, 3, 4], [1, 1, 1, 1], values: [3.5f, 4f, 5f, 1f])));

        Assert.Equal(2, prepared.Result.RowsDropped[RowDropReason.BelowRatingThreshold]);
        Assert.All(Rows(prepared), row => Assert.Equal(1f, row.Weight));
        Assert.Equal(["2", "3"], prepared.Dataset.UserIds);
    }

    [Fact]
    public async Task BuildAsync_RatingThreshold_KeepsLowRatedPairsOfTheDatasetsUsersAndItemsAsSeenOnly()
    {
        PreprocessingOptions options = Options(o => o.RatingThreshold = 4);
        // User 1 liked item 10 and disliked 20 (twice); user 2 liked 20, disliked 10 and disliked 30; user 3 disliked
        // 30 only; user 2 then rated 30 again, higher: that pair is an interaction, not seen-only.
        InteractionBatch ratings = Numeric([1, 1, 1, 2, 2, 2, 3, 2], [10, 20, 20, 20, 10, 30, 30, 30], values: [5f, 2f, 1f, 5f, 1f, 1f, 1f, 5f]);

        PreprocessedDataset prepared = await BuildAsync(options, Log("a.parquet", ratings));

        CuratedDataset dataset = prepared.Dataset;
        var seenOnly = Enumerable.Range(0, dataset.SeenOnly.Count).Select(row => (dataset.UserIds[dataset.SeenOnly.Users[row]], dataset.ItemIds[dataset.SeenOnly.Items[row]]));
        Assert.Equal([("1", "20"), ("2", "10")], seenOnly);
        Assert.Equal(2, prepared.Manifest.SeenOnlyPairs);
        Assert.Equal(["1", "2"], dataset.UserIds);
    }

    [Fact]
    public async Task BuildAsync_ExplicitFeedback_KeepsRatingsAsWeights()
    {
        PreprocessingOptions options = Options(o => o.Feedback = FeedbackKind.Explicit);

        PreprocessedDataset prepared = await BuildAsync(options, Log("a.parquet", Numeric([1, 2], [1, 1], values: [0f, 4.5f])));

        Assert.True(prepared.Dataset.IsExplicit);
        Assert.Equal([0f, 4.5f], Rows(prepared).Select(row => row.Weight));
    }

    [Fact]
    public async Task BuildAsync_ExplicitFeedbackWithoutRatingColumn_RejectsLog()
    {
        PreprocessingOptions options = Options(o => o.Feedback = FeedbackKind.Explicit);

        PreprocessedDataset prepared = await BuildAsync(
            options,
            Log("a.parquet", Numeric([1], [1], values: [3f], source: "a.parquet")),
            Log("b.parquet", Numeric([2], [2], source: "b.parquet")));

        RejectedInteractionLog rejected = Assert.Single(prepared.Result.RejectedLogs);
        Assert.Equal("b.parquet", rejected.Source);
        Assert.Contains("rating column", rejected.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BuildAsync_EventWeights_MultiplyEachRowsWeight()
    {
        PreprocessingOptions options = Options(o => o.EventWeights = new() { ["view"] = 1, ["click"] = 2, ["purchase"] = 5 });

        PreprocessedDataset prepared = await BuildAsync(options, Log("a.parquet", Numeric([1, 2, 3], [1, 1, 1], eventTypes: ["view", "CLICK", "purchase"])));

        Assert.Equal([1f, 2f, 5f], Rows(prepared).Select(row => row.Weight));
    }

    [Fact]
    public async Task BuildAsync_MisspeltEventWeight_NamesTheWeightNoRowMatchedAndTheTypesLeftUnweighted()
    {
        PreprocessingOptions options = Options(o =>
        {
            o.EventWeights = new() { ["view"] = 1, ["purchse"] = 50 };
            o.UnknownEventTypes = UnknownEventTypePolicy.UseDefaultWeight;
        });

        PreprocessedDataset prepared = await BuildAsync(options, Log("a.parquet", Numeric([1, 2, 3], [1, 1, 1], eventTypes: ["View", "purchase", "purchase"])));

        Assert.Equal(["purchse"], prepared.Result.EventWeightsUnmatched);
        Assert.Equal(["purchase"], prepared.Result.EventTypesUnweighted);
    }

    [Fact]
    public async Task BuildAsync_EveryEventWeightMatched_ReportsNothingUnmatched()
    {
        PreprocessingOptions options = Options(o => o.EventWeights = new() { ["view"] = 1, ["click"] = 2 });

        PreprocessedDataset prepared = await BuildAsync(options, Log("a.parquet", Numeric([1, 2], [1, 1], eventTypes: ["view", "CLICK"])));

        Assert.Empty(prepared.Result.EventWeightsUnmatched);
        Assert.Empty(prepared.Result.EventTypesUnweighted);
    }

    [Fact]
    public async Task BuildAsync_UnknownEventTypeWithDropPolicy_DropsAndCounts()
    {
        PreprocessingOptions options = Options(o => o.EventWeights = new() { ["view"] = 1 });

        PreprocessedDataset prepared = await BuildAsync(options, Log("a.parquet", Numeric([1, 2, 3], [1, 1, 1], eventTypes: ["view", "share", null])));

        Assert.Equal(2, prepared.Result.RowsDropped[RowDropReason.UnknownEventType]);
        Assert.Equal(["1"], prepared.Dataset.UserIds);
    }

    [Fact]
    public async Task BuildAsync_UnknownEventTypeWithDefaultWeightPolicy_KeepsRowWithDefaultWeight()
    {
        PreprocessingOptions options = Options(o =>
        {
            o.EventWeights = new() { ["view"] = 1 };
            o.UnknownEventTypes = UnknownEventTypePolicy.UseDefaultWeight;
            o.DefaultEventWeight = 0.5f;
        });

        PreprocessedDataset prepared = await BuildAsync(options, Log("a.parquet", Numeric([1, 2], [1, 1], eventTypes: ["view", "share"])));

        Assert.Equal([1f, 0.5f], Rows(prepared).Select(row => row.Weight));
    }

    [Fact]
    public async Task BuildAsync_ManyDistinctEventTypesRepeated_WeighsEveryRowByItsType()
    {
        // More distinct event types than are remembered per batch, each repeated, some unknown.
        string[] types = [.. Enumerable.Range(0, 12).Select(i => $"e{i}")];
        var weights = new Dictionary<string, float>(StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < types.Length; i += 2)
        {
            weights[types[i]] = i + 1;
        }

        PreprocessingOptions options = Options(o =>
        {
            o.EventWeights = weights;
            o.UnknownEventTypes = UnknownEventTypePolicy.UseDefaultWeight;
            o.DefaultEventWeight = 0.5f;
        });
        string[] rowTypes = [.. types, .. types.Reverse(), .. types];
        long[] items = [.. Enumerable.Range(0, rowTypes.Length).Select(row => (long)row)];

        PreprocessedDataset prepared = await BuildAsync(options, Log("a.parquet", Numeric([.. items.Select(_ => 1L)], items, eventTypes: rowTypes)));

        float[] expected = [.. rowTypes.Select(type => weights.TryGetValue(type, out float weight) ? weight : 0.5f)];
        Assert.Equal(expected, Rows(prepared).OrderBy(row => long.Parse(row.Item, CultureInfo.InvariantCulture)).Select(row => row.Weight));
    }

    [Fact]
    public async Task BuildAsync_MissingTimestampWithChronologicalSplit_DropsRowAsMissingTimestamp()
    {
        PreprocessingOptions options = Options(o => o.Split.Kind = SplitKind.ChronologicalPerUser);

        PreprocessedDataset prepared = await BuildAsync(
            options, Log("a.parquet", Numeric([1, 1, 1], [1, 2, 3], timestamps: [10, InteractionBatch.MissingTimestamp, 30])));

        Assert.Equal(1, prepared.Result.RowsDropped[RowDropReason.MissingTimestamp]);
        Assert.Equal(2, prepared.Result.Interactions);
    }

    [Fact]
    public async Task BuildAsync_ChronologicalSplitOnALogWithoutTimes_ThrowsSayingTheSplitNeedsThem()
    {
        PreprocessingOptions options = Options(o => o.Split.Kind = SplitKind.ChronologicalPerUser);

        var error = await Assert.ThrowsAsync<NoUsableInteractionsException>(() => BuildAsync(options, Log("a.parquet", Numeric([1, 1, 2], [1, 2, 3]))));

        Assert.Contains("dropped: MissingTimestamp 3.", error.Message, StringComparison.Ordinal);
        Assert.Contains("The ChronologicalPerUser split orders each user's interactions by time, and no row left had one", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BuildAsync_MissingTimestampWithRandomSplit_KeepsRowWithTimeZero()
    {
        PreprocessedDataset prepared = await BuildAsync(Log("a.parquet", Numeric([1], [1], timestamps: [InteractionBatch.MissingTimestamp])));

        Assert.Equal(0, prepared.Result.RowsDropped[RowDropReason.MissingTimestamp]);
        Assert.Equal(0L, Assert.Single(Rows(prepared)).Time);
    }

    [Fact]
    public async Task BuildAsync_SeveralRules_ManifestStepsChainBeforeAndAfterCounts()
    {
        PreprocessedDataset prepared = await BuildAsync(
            Log("a.parquet", Text(["u1", null, "u3", "u1", "u5"], ["i1", "i1", null, "i1", ""], values: [1, 1, 1, 1, 1])));

        var steps = prepared.Manifest.Steps;
        Assert.Equal(5, steps[0].RowsBefore);
        Assert.All(steps.Zip(steps.Skip(1)), pair => Assert.Equal(pair.First.RowsAfter, pair.Second.RowsBefore));
        Assert.Equal(["missingUserId", "missingItemId", "blankId"], steps.Take(3).Select(step => step.Rule));
        Assert.Equal((5L, 4L), (steps[0].RowsBefore, steps[0].RowsAfter));
        Assert.Equal(("duplicates", 2L, 1L), (steps[^2].Rule, steps[^2].RowsBefore, steps[^2].RowsAfter));
        Assert.Equal(1L, steps[^1].RowsAfter);
    }
}
