using Recommender.Core.Tests.TestSupport;

namespace Recommender.Cli.Tests;

/// <summary>MovieLens' ratings file turned into a log the pipeline reads, and a damaged one named by its line.</summary>
public sealed class MovieLensCommandTests
{
    [Fact]
    public async Task MovieLens_RatingsFile_WritesALogThatPreprocessReadsEveryRatingOf()
    {
        using var folder = new TempDirectory();
        string data = folder.Combine("u.data");
        await File.WriteAllLinesAsync(data, ["196\t242\t3\t881250949", "186\t302\t3\t891717742", "22\t377\t1\t878887116", "196\t377\t5\t881250950"]);
        string log = folder.Combine("ratings.parquet");

        CliResult convert = await CliProcess.RunAsync(folder.FullPath, "movielens", "--data", data, "--out", log);
        CliResult preprocess = await CliProcess.RunAsync(folder.FullPath, "preprocess", "--input", log, "--out", folder.Combine("out"));

        Assert.True(convert.ExitCode == 0, convert.Error);
        Assert.Contains($"Wrote 4 ratings to {log}", convert.Output.ReplaceLineEndings(string.Empty), StringComparison.Ordinal);
        Assert.True(preprocess.ExitCode == 0, preprocess.Error);
        Assert.Matches(@"Rows read\s*│\s*4 │", preprocess.Output);
        Assert.Contains("user = user_id INT32 (detected); item = item_id INT32 (detected); value = rating INT32 (detected)", preprocess.Output, StringComparison.Ordinal);
        Assert.Contains($"Next: recommender run --input {log}   (every rating one interaction weighted by its value", convert.Output.ReplaceLineEndings(string.Empty), StringComparison.Ordinal);
    }

    [Fact]
    public async Task MovieLens_LineThatIsNotARating_ExitsWithCode2NamingTheLineAndWritesNothing()
    {
        using var folder = new TempDirectory();
        string data = folder.Combine("u.data");
        await File.WriteAllLinesAsync(data, ["196\t242\t3\t881250949", "user,item,rating,time"]);
        string log = folder.Combine("ratings.parquet");

        CliResult result = await CliProcess.RunAsync(folder.FullPath, "movielens", "--data", data, "--out", log);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("line 2 is not 'user<TAB>item<TAB>rating<TAB>timestamp'", result.Error.ReplaceLineEndings(string.Empty), StringComparison.Ordinal);
        Assert.False(File.Exists(log));
    }
}
