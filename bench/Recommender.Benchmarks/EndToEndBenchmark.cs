namespace Recommender.Benchmarks;

internal static class EndToEndBenchmark
{
    public static Task<IReadOnlyList<Measurement>> RunAsync(string repository, string workFolder) => throw new NotImplementedException();
}
