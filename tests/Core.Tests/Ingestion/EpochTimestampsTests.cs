using Recommender.Core.Ingestion;

namespace Recommender.Core.Tests.Ingestion;

public sealed class EpochTimestampsTests
{
    [Theory]
    [InlineData(0d, TimestampUnit.Seconds)]
    [InlineData(881_250_949d, TimestampUnit.Seconds)]
    [InlineData(99_999_999_999d, TimestampUnit.Seconds)]
    [InlineData(100_000_000_000d, TimestampUnit.Milliseconds)]
    [InlineData(1_700_000_000_000d, TimestampUnit.Milliseconds)]
    [InlineData(1e14, TimestampUnit.Microseconds)]
    [InlineData(1.7e15, TimestampUnit.Microseconds)]
    [InlineData(1e17, TimestampUnit.Nanoseconds)]
    [InlineData(1.7e18, TimestampUnit.Nanoseconds)]
    public void Detect_LargestMagnitude_PicksUnitWhoseRangeHoldsIt(double largest, TimestampUnit expected)
    {
        Assert.Equal(expected, EpochTimestamps.Detect(largest));
    }

    [Theory]
    [InlineData(1_999L, 1_000L, 1L)]
    [InlineData(-1L, 1_000L, -1L)]
    [InlineData(-1_000L, 1_000L, -1L)]
    [InlineData(-1_001L, 1_000L, -2L)]
    public void FloorDivide_Value_RoundsTowardsNegativeInfinity(long value, long divisor, long expected)
    {
        Assert.Equal(expected, EpochTimestamps.FloorDivide(value, divisor));
    }
}
