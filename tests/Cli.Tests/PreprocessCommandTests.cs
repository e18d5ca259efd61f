using Recommender.Core.Tests.TestSupport;

namespace Recommender.Cli.Tests;

public sealed class PreprocessCommandTests
{
    [SkippableFact]
    public async Task Preprocess_MovieLens100K_Reports943Users1682Items100000Interactions()
    {
        using var folder = new TempDirectory();
        string log = await MovieLensParquet.GetPathAsync();

        CliResult result = await CliProcess.RunAsync(folder.FullPath, "preprocess", "--input", log);

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Matches(@"Users\s*│\s*943\b", result.Output);
        Assert.Matches(@"Items\s*│\s*1,682\b", result.Output);
        Assert.Matches(@"Interactions\s*│\s*100,000\b", result.Output);
        Assert.Matches(@"Rows read\s*│\s*100,000\b", result.Output);
        Assert.True(Directory.EnumerateFiles(Path.Combine(folder.FullPath, ".recommender", "artifacts", "datasets"), "manifest.json", SearchOption.AllDirectories).Any());
    }

    [Fact]
    public async Task Preprocess_NotParquet_ExitsWithCode2AndNamesTheFile()
    {
        using var folder = new TempDirectory();
        string bogus = folder.Combine("broken.parquet");
        await File.WriteAllTextAsync(bogus, "user_id,item_id\n1,2\n");

        CliResult result = await CliProcess.RunAsync(folder.FullPath, "preprocess", "--input", bogus);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("broken.parquet", result.Error, StringComparison.Ordinal);
        Assert.Equal("user_id,item_id\n1,2\n", await File.ReadAllTextAsync(bogus));
    }

    [Fact]
    public async Task Preprocess_MissingInput_ExitsWithCode2()
    {
        using var folder = new TempDirectory();

        CliResult result = await CliProcess.RunAsync(folder.FullPath, "preprocess", "--input", folder.Combine("nothing-here.parquet"));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("nothing-here.parquet", result.Error, StringComparison.Ordinal);
    }
}
