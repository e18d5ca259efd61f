namespace Recommender.Core.Ingestion;

/// <summary>Integer epoch timestamps: detecting their unit and converting them to microseconds.</summary>
internal static class EpochTimestamps
{
    // A unit is chosen from the largest magnitude in the file. Each threshold is 1e11 of the smaller
    // unit, which is 1973-03-03 in the larger one and year 5138 in the smaller one: real event logs
    // (after 1973, before 5138) can therefore only fall on one side of each threshold.
    //   seconds      < 1e11  (now ~1.7e9)
    //   milliseconds < 1e14  (now ~1.7e12)
    //   microseconds < 1e17  (now ~1.7e15)
    //   nanoseconds  otherwise (now ~1.7e18; int64 ends in 2262)
    internal const double MaxSeconds = 1e11;
    internal const double MaxMilliseconds = 1e14;
    internal const double MaxMicroseconds = 1e17;

    /// <summary>The unit whose plausible range contains <paramref name="largestMagnitude"/> (the largest absolute value seen).</summary>
    public static TimestampUnit Detect(double largestMagnitude) => largestMagnitude switch
    {
        < MaxSeconds => TimestampUnit.Seconds,
        < MaxMilliseconds => TimestampUnit.Milliseconds,
        < MaxMicroseconds => TimestampUnit.Microseconds,
        _ => TimestampUnit.Nanoseconds,
    };

    /// <summary>How many microseconds one unit is; 0 for nanoseconds, which are divided instead.</summary>
    public static long MicrosPerUnit(TimestampUnit unit) => unit switch
    {
        TimestampUnit.Seconds => 1_000_000,
        TimestampUnit.Milliseconds => 1_000,
        TimestampUnit.Microseconds => 1,
        TimestampUnit.Nanoseconds => 0,
        _ => throw new ArgumentOutOfRangeException(nameof(unit), unit, "an epoch unit must be resolved before converting"),
    };

    /// <summary>Rounds towards negative infinity, so times before 1970 keep their order.</summary>
    public static long FloorDivide(long value, long divisor)
    {
        long quotient = Math.DivRem(value, divisor, out long remainder);
        return remainder < 0 ? quotient - 1 : quotient;
    }
}
