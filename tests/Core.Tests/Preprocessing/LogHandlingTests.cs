using System.ComponentModel.DataAnnotations;
using Recommender.Core.Ingestion;
using Recommender.Core.Preprocessing;
using static Recommender.Core.Tests.Preprocessing.InteractionLogs;

namespace Recommender.Core.Tests.Preprocessing;

public sealed class LogHandlingTests
{
    [Fact]
    public async Task BuildAsync_LogFailingPartWay_KeepsNoneOfItsRowsAndRecordsReason()
    {
        InteractionLogInput good = Log("a.parquet", Numeric([1, 2], [10, 10], source: "a.parquet"));
        InteractionLogInput bad = FailingLog("b.parquet", "page 3 is truncated", Numeric([3, 4], [11, 12], source: "b.parquet"));
        InteractionLogInput later = Log("c.parquet", Numeric([5], [10], source: "c.parquet"));

        PreprocessedDataset prepared = await BuildAsync(good, bad, later);

        Assert.Equal(["1", "2", "5"], prepared.Dataset.UserIds);
        Assert.Equal(["10"], prepared.Dataset.ItemIds);
        Assert.Equal(new RejectedInteractionLog("b.parquet", null, null, "rating", "page 3 is truncated"), Assert.Single(prepared.Result.RejectedLogs));
        Assert.Equal(3, prepared.Result.RowsRead);
        Assert.Equal(["a.parquet", "c.parquet"], prepared.Manifest.Sources.Select(source => source.Source));
    }

    [Fact]
    public async Task BuildAsync_LogFailingWhenOpened_IsRejectedAndOthersGoOn()
    {
        var unreadable = new InteractionLogInput("b.parquet", _ => throw new InvalidInteractionLogException("b.parquet", null, "not a Parquet file"));

        PreprocessedDataset prepared = await BuildAsync(Log("a.parquet", Numeric([1], [10], source: "a.parquet")), unreadable);

        Assert.Equal("not a Parquet file", Assert.Single(prepared.Manifest.RejectedSources).Reason);
        Assert.Equal(1, prepared.Result.Interactions);
    }

    [Fact]
    public async Task BuildAsync_RejectedLogBesideTheSameGoodOne_LandsOnTheSameVersion()
    {
        PreprocessedDataset alone = await BuildAsync(Log("a.parquet", Numeric([1, 2], [10, 11], source: "a.parquet")));

        PreprocessedDataset withRejected = await BuildAsync(
            Log("a.parquet", Numeric([1, 2], [10, 11], source: "a.parquet")),
            FailingLog("b.parquet", "page 3 is truncated", Numeric([3], [12], source: "b.parquet")));

        Assert.Equal(alone.Dataset.Version, withRejected.Dataset.Version);
        Assert.Single(withRejected.Result.RejectedLogs);
    }

    [Fact]
    public async Task BuildAsync_EveryLogRejected_ThrowsListingEachRejection()
    {
        InteractionLogInput first = FailingLog("a.parquet", "no user column");
        InteractionLogInput second = FailingLog("b.parquet", "empty file");

        var error = await Assert.ThrowsAsync<NoUsableInteractionsException>(() => BuildAsync(first, second));

        Assert.Equal(2, error.RejectedLogs.Count);
        Assert.Contains("a.parquet: column 'rating': no user column", error.Message, StringComparison.Ordinal);
        Assert.Contains("b.parquet: column 'rating': empty file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BuildAsync_EveryRowDropped_ThrowsNamingTheReasons()
    {
        var error = await Assert.ThrowsAsync<NoUsableInteractionsException>(() => BuildAsync(Log("a.parquet", Text([null, null], ["i", "j"]))));

        Assert.Contains("MissingUserId 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BuildAsync_LogsInAnotherOrder_GivesTheSameDataset()
    {
        InteractionLogInput a = Log("a.parquet", Text(["zed", "amy", "bob"], ["x", "y", "x"], source: "a.parquet"));
        InteractionLogInput b = Log("b.parquet", Numeric([7, 12], [3, 1], source: "b.parquet"));
        InteractionLogInput c = Log("c.parquet", Text(["amy", "7"], ["3", "x"], source: "c.parquet"));

        PreprocessedDataset forward = await BuildAsync(a, b, c);
        PreprocessedDataset backward = await BuildAsync(c, b, a);

        Assert.Equal(forward.Dataset.UserIds, backward.Dataset.UserIds);
        Assert.Equal(forward.Dataset.ItemIds, backward.Dataset.ItemIds);
        Assert.Equal(forward.Dataset.Train.Users, backward.Dataset.Train.Users);
        Assert.Equal(forward.Dataset.Train.Items, backward.Dataset.Train.Items);
        Assert.Equal(forward.Dataset.Validation.Items, backward.Dataset.Validation.Items);
        Assert.Equal(forward.Dataset.Version, backward.Dataset.Version);
    }

    [Fact]
    public async Task BuildAsync_ChangedETag_GivesAnotherVersion()
    {
        InteractionLogInput log = Log("a.parquet", Numeric([1], [1], source: "a.parquet"));

        PreprocessedDataset before = await BuildAsync(log);
        PreprocessedDataset after = await BuildAsync(log with { ETag = "\"changed\"" });

        Assert.NotEqual(before.Dataset.Version, after.Dataset.Version);
    }

    [Fact]
    public async Task BuildAsync_SameLogTwice_ThrowsArgumentException()
    {
        InteractionLogInput log = Log("a.parquet", Numeric([1], [1]));

        await Assert.ThrowsAsync<ArgumentException>(() => BuildAsync(log, log));
    }

    [Fact]
    public async Task BuildAsync_ThresholdWithExplicitFeedback_ThrowsValidationException()
    {
        PreprocessingOptions options = Options(o => (o.Feedback, o.RatingThreshold) = (FeedbackKind.Explicit, 4f));

        var error = await Assert.ThrowsAsync<ValidationException>(() => BuildAsync(options, Log("a.parquet", Numeric([1], [1], values: [5f]))));

        Assert.Contains("RatingThreshold", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    public async Task BuildAsync_TrainRatioOutsideOpenInterval_ThrowsValidationException(double ratio)
    {
        PreprocessingOptions options = Options(o => o.Split.TrainRatio = ratio);

        await Assert.ThrowsAsync<ValidationException>(() => BuildAsync(options, Log("a.parquet", Numeric([1], [1]))));
    }

    [Fact]
    public void Validate_NonPositiveEventWeight_ReportsTheEventType()
    {
        PreprocessingOptions options = Options(o => o.EventWeights = new() { ["view"] = 0f });

        var results = new List<ValidationResult>();
        bool valid = Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);

        Assert.False(valid);
        Assert.Contains(results, result => result.ErrorMessage!.Contains("'view'", StringComparison.Ordinal));
    }
}
