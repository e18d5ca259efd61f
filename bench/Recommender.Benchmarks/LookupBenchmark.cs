namespace Recommender.Benchmarks;

internal static class LookupBenchmark
{
    public static Task<IReadOnlyList<Measurement>> RunAsync(string repository, string workFolder, int users, int seconds) => throw new NotImplementedException();
}
