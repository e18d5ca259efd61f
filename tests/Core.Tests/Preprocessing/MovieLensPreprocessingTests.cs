using System.Diagnostics;
using Recommender.Core.Preprocessing;
using Xunit.Abstractions;
using static Recommender.Core.Tests.Preprocessing.InteractionLogs;

namespace Recommender.Core.Tests.Preprocessing;

public sealed class MovieLensPreprocessingTests(ITestOutputHelper output)
{
    [SkippableFact]
    public async Task BuildAsync_MovieLens100K_Has943Users1682Items100000Interactions()
    {
        var log = MovieLens100K.Log(MovieLens100K.ReadBatches());

        PreprocessedDataset prepared = await BuildAsync(log);

        Assert.Equal(943, prepared.Result.Users);
        Assert.Equal(1682, prepared.Result.Items);
        Assert.Equal(100_000, prepared.Result.Interactions);
        Assert.Equal(0, prepared.Result.DuplicatesCombined);
    }

    [SkippableFact]
    public async Task BuildAsync_MovieLens100KStratifiedPerItem_TrainsOnAboutThreeQuarters()
    {
        var batches = MovieLens100K.ReadBatches();
        var log = MovieLens100K.Log(batches);
        PreprocessingOptions options = Options(o => (o.Split.Kind, o.Split.TrainRatio, o.Split.Seed) = (SplitKind.StratifiedPerItem, 0.75, 42));

        var stopwatch = Stopwatch.StartNew();
        PreprocessedDataset prepared = await BuildAsync(options, log);
        stopwatch.Stop();

        output.WriteLine(
            $"train {prepared.Result.TrainInteractions}, validation {prepared.Result.ValidationInteractions}, " +
            $"{stopwatch.Elapsed.TotalMilliseconds:F1} ms ({100_000 / stopwatch.Elapsed.TotalSeconds:F0} rows/s, first run in this process)");
        Assert.InRange(prepared.Result.TrainInteractions, 73_500, 75_000);
        Assert.Equal(100_000, prepared.Result.TrainInteractions + prepared.Result.ValidationInteractions);
    }
}
