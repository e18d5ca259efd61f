using System.Text.Json;
using Recommender.Core.Tests.TestSupport;

namespace Recommender.Cli.Tests;

/// <summary>What <c>run</c> and <c>preprocess</c> say about the columns they use and about the model they compare with.</summary>
public sealed class ColumnAndComparisonTests : IDisposable
{
    private readonly TempDirectory _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Run_OnAnotherCatalogAfterDemo_ShowsNoLiveComparisonAndSaysWhy()
    {
        CliResult demo = await CliProcess.RunAsync(_folder.FullPath, "demo", "--users", "600", "--epochs", "3", "--dimension", "16");
        Assert.True(demo.ExitCode == 0, demo.Error);
        string log = _folder.Combine("other.parquet");
        await InteractionLogs.WriteClusteredAsync(log, users: 200);

        CliResult human = await CliProcess.RunAsync(_folder.FullPath, "run", "--input", log, "--epochs", "3", "--dimension", "8");
        CliResult json = await CliProcess.RunAsync(_folder.FullPath, "run", "--input", log, "--epochs", "3", "--dimension", "8", "--json", "--store", _folder.Combine("second-store"));

        Assert.Contains("No comparison with the live model: the live model", human.Output, StringComparison.Ordinal);
        Assert.Contains("knows 0% of these users", human.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Live model", human.Output, StringComparison.Ordinal);
        Assert.True(json.ExitCode == 0, json.Error);
        using JsonDocument parsed = JsonDocument.Parse(json.Output);
        Assert.Equal("published", parsed.RootElement.GetProperty("result").GetString());
        Assert.Equal(100, parsed.RootElement.GetProperty("k").GetInt32());
        Assert.Equal("user_id INT32 (detected)", parsed.RootElement.GetProperty("preprocessing").GetProperty("columns").GetProperty("user").GetString());
    }

    [Fact]
    public async Task Preprocess_NamedColumnThatDoesNotExist_ExitsWithCode2NamingTheOptionAndTheColumns()
    {
        string log = _folder.Combine("log.parquet");
        await InteractionLogs.WriteClusteredAsync(log, users: 20);

        CliResult result = await CliProcess.RunAsync(_folder.FullPath, "preprocess", "--input", log, "--item-column", "movie");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"--item-column 'movie' names no column of {log}; its columns: user_id, item_id", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Preprocess_NoItemColumn_HintNamesTheOptionToUse()
    {
        string log = _folder.Combine("log.parquet");
        await InteractionLogs.WriteAsync(log, ("user_id", [1, 2]), ("thing", [3, 4]));

        CliResult result = await CliProcess.RunAsync(_folder.FullPath, "preprocess", "--input", log);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("name it with --item-column", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("column mapping", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Preprocess_ValueColumnIsTheItemColumn_SaysTheOptionTookIt()
    {
        string log = _folder.Combine("log.parquet");
        await InteractionLogs.WriteAsync(log, ("user_id", [1, 2]), ("item_id", [3, 4]));

        CliResult result = await CliProcess.RunAsync(_folder.FullPath, "preprocess", "--input", log, "--value-column", "item_id");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("no item id column: item_id is named like one, but --value-column names it as the rating/weight (name another column with --item-column)", result.Error.ReplaceLineEndings(" "), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Preprocess_Columns_AreListedForEveryRole()
    {
        string log = _folder.Combine("log.parquet");
        await InteractionLogs.WriteAsync(log, ("customer", [1, 2, 3]), ("product", [3, 4, 5]), ("stars", [5, 4, 3]));

        CliResult result = await CliProcess.RunAsync(_folder.FullPath, "preprocess", "--input", log, "--item-column", "product");

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("Columns: user = customer INT32 (detected); item = product INT32; value = stars INT32 (detected); event type = (none); time = (none)", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Preprocess_NaNAndInfiniteRatings_AreCountedApartNamingTheColumn()
    {
        string log = _folder.Combine("ratings.parquet");
        await InteractionLogs.WriteRatedAsync(log, [1, 2, 3, 4, 5], [1, 2, 3, 4, 5], [4f, float.NaN, float.PositiveInfinity, float.NegativeInfinity, 3f]);

        CliResult result = await CliProcess.RunAsync(_folder.FullPath, "preprocess", "--input", log, "--explicit");

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Matches(@"dropped: missing or NaN value in 'rating'\s*│\s*1\b", result.Output);
        Assert.Matches(@"dropped: infinite value in 'rating'\s*│\s*2\b", result.Output);
    }

    [Fact]
    public async Task Preprocess_Json_PrintsOneObject()
    {
        string log = _folder.Combine("log.parquet");
        await InteractionLogs.WriteClusteredAsync(log, users: 20);

        CliResult result = await CliProcess.RunAsync(_folder.FullPath, "preprocess", "--input", log, "--json");

        Assert.True(result.ExitCode == 0, result.Error);
        using JsonDocument json = JsonDocument.Parse(result.Output);
        Assert.Equal(300, json.RootElement.GetProperty("preprocessing").GetProperty("rowsRead").GetInt64());
        Assert.True(File.Exists(json.RootElement.GetProperty("manifest").GetString()));
    }
}
