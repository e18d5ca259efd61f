namespace Recommender.Core.Tests.Scoring;

/// <summary>A measurement, not a specification: runs only when RECOMMENDER_BENCHMARKS=1.</summary>
public sealed class BenchmarkFactAttribute : FactAttribute
{
    public BenchmarkFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("RECOMMENDER_BENCHMARKS") != "1")
        {
            Skip = "Benchmark; set RECOMMENDER_BENCHMARKS=1 to run.";
        }
    }
}
