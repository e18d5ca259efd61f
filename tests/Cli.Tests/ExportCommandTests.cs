using Parquet;
using Parquet.Schema;
using Recommender.Core.Demo;
using Recommender.Core.Tests.TestSupport;

namespace Recommender.Cli.Tests;

/// <summary><c>export</c> gives ids back in the type the input logs had them.</summary>
public sealed class ExportCommandTests
{
    private static readonly string[] ShortTraining = ["--epochs", "2", "--dimension", "16", "--patience", "0"];

    [SkippableFact]
    public async Task Export_AfterRunOnMovieLensWithInt32Ids_WritesInt32UserAndItemIds()
    {
        using var store = new TempDirectory();
        string log = await MovieLensParquet.GetPathAsync();

        (DataField user, DataField item, long firstUser) = await RunThenExportAsync(store, log);

        Assert.Equal((typeof(int), typeof(int)), (user.ClrType, item.ClrType));
        Assert.InRange(firstUser, 1, 943);
    }

    [Fact]
    public async Task Export_AfterRunOnStringUsersAndInt64Items_WritesStringUsersAndInt64Items()
    {
        using var store = new TempDirectory();
        string log = store.Combine("inputs", "log.parquet");
        await using (FileStream output = File.Create(log))
        {
            await SyntheticInteractionLog.WriteAsync(output, new SyntheticLogOptions { Users = 300, Items = 120, Clusters = 6, MeanPerUser = 20 });
        }

        (DataField user, DataField item, _) = await RunThenExportAsync(store, log);

        // Parquet.Net reads UTF-8 columns as string or ReadOnlyMemory<char>, as it is configured.
        Assert.Contains(user.ClrType, new[] { typeof(string), typeof(ReadOnlyMemory<char>) });
        Assert.Equal(typeof(long), item.ClrType);
    }

    [Fact]
    public async Task Export_OutIsAnExistingFileOrInsideTheStore_RefusesAndLeavesTheFileAsItWas()
    {
        using var folder = new TempDirectory();
        string log = folder.Combine("log.parquet");
        await File.WriteAllTextAsync(log, "an input the export must not overwrite");
        Directory.CreateDirectory(folder.Combine(".recommender"));

        CliResult existing = await CliProcess.RunAsync(folder.FullPath, "export", "--out", log);
        CliResult inStore = await CliProcess.RunAsync(folder.FullPath, "export", "--out", Path.Combine(".recommender", "lookup.db"), "--force");

        Assert.Equal(2, existing.ExitCode);
        Assert.Contains("exists; pass --force", existing.Error, StringComparison.Ordinal);
        Assert.Equal("an input the export must not overwrite", await File.ReadAllTextAsync(log));
        Assert.Equal(2, inStore.ExitCode);
        Assert.Contains("is inside the store", inStore.Error, StringComparison.Ordinal);
    }

    private static async Task<(DataField User, DataField Item, long FirstUser)> RunThenExportAsync(TempDirectory store, string log)
    {
        CliResult run = await CliProcess.RunAsync(store.FullPath, ["run", "--input", log, .. ShortTraining]);
        Assert.True(run.ExitCode == 0, run.Error + run.Output);
        string recs = store.Combine("recs.parquet");

        CliResult export = await CliProcess.RunAsync(store.FullPath, "export", "--out", recs);

        Assert.True(export.ExitCode == 0, export.Error);
        Assert.DoesNotContain("ids written as text", export.Error, StringComparison.Ordinal);
        await using ParquetReader reader = await ParquetReader.CreateAsync(recs);
        DataField user = reader.Schema.DataFields.Single(field => field.Name == "user_id");
        DataField item = reader.Schema.DataFields.Single(field => field.Name == "item_id");
        using ParquetRowGroupReader group = reader.OpenRowGroupReader(0);
        long firstUser = 0;
        if (user.ClrType == typeof(int))
        {
            var users = new int[group.RowCount];
            await group.ReadAsync<int>(user, users, null, default);
            firstUser = users[0];
        }

        return (user, item, firstUser);
    }
}
