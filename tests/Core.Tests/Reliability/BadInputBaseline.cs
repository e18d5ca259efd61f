using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Parquet.Schema;
using Recommender.Core.Ingestion;
using Recommender.Core.Lookup;
using Recommender.Core.Pipeline;
using Recommender.Core.Preprocessing;
using Recommender.Core.Storage;
using Recommender.Core.Tests.Ingestion;
using Recommender.Core.Tests.TestSupport;
using Recommender.Core.Training;
using Xunit;

namespace Recommender.Core.Tests.Reliability;

/// <summary>
/// One published version made from a good log, shared by every bad-input case: each case copies the
/// artifact folder and the lookup database and runs the pipeline again on it. Collects every case's
/// outcome and writes them as a Markdown table when the class is done.
/// </summary>
public sealed class BadInputBaseline : IAsyncLifetime, IDisposable
{
    public const string GoodRunId = "good";
    public const int GoodUsers = 30;
    public const int GoodItems = 40;
    public const int ItemsPerUser = 12;

    private static readonly ConcurrentDictionary<string, string> Outcomes = new(StringComparer.Ordinal);

    private readonly TempDirectory _folder = new();

    /// <summary>The good log: string ids u000.. and i000.., int ratings 1-5, unix-second timestamps.</summary>
    public string GoodLog { get; private set; } = string.Empty;

    /// <summary>The folder holding <c>artifacts/</c> and <c>lookup.db</c> with the good version live.</summary>
    public string StoreFolder => Path.Combine(_folder.FullPath, "store");

    public static PreprocessingOptions Preprocessing => new();

    public static TrainingOptions Training => new() { Dimension = 8, Epochs = 2, Device = TrainingDevice.Cpu };

    /// <summary>Pipeline settings whose gate lets any finite model through, so outcomes depend on the data only.</summary>
    public static PipelineRunSettings Settings => new(TopK: 10, EvaluationK: 10, ShardSize: 1000, MaxParallelShards: 1, KeepVersions: 5, MinNdcgVersusPopularity: 0, MaxRegressionVersusLive: 1, EpochsPerActivity: 5);

    public static void Record(string caseName, string outcome) => Outcomes[caseName] = outcome;

    public async Task InitializeAsync()
    {
        GoodLog = await WriteGoodLogAsync(_folder.Combine("good", "interactions-good.parquet"));
        using (var pipeline = Open(StoreFolder, [GoodLog]))
        {
            PipelineOutcome outcome = await pipeline.Sequential.RunAsync(new PipelineRunRequest(GoodRunId, "test", Settings));
            if (outcome.Result != RunResults.Published)
            {
                throw new InvalidOperationException($"The good baseline did not publish: {outcome.Result} {outcome.Evaluation?.Reason}");
            }
        }

        // Close pooled connections so the database file is complete on disk before cases copy it.
        SqliteConnection.ClearAllPools();
    }

    public Task DisposeAsync()
    {
        WriteReport();
        return Task.CompletedTask;
    }

    public void Dispose() => _folder.Dispose();

    /// <summary>Opens the local pipeline over a store folder and a set of logs.</summary>
    public static LocalPipelineParts Open(string storeFolder, IReadOnlyList<string> logs) => new(storeFolder, logs);

    public static string Hash(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));

    public static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (string file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            string target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    private static async Task<string> WriteGoodLogAsync(string path)
    {
        var random = new Random(7);
        var users = new List<string>();
        var items = new List<string>();
        var ratings = new List<int>();
        var times = new List<long>();
        for (int user = 0; user < GoodUsers; user++)
        {
            foreach (int item in Enumerable.Range(0, GoodItems).OrderBy(_ => random.Next()).Take(ItemsPerUser))
            {
                users.Add($"u{user:D3}");
                items.Add($"i{item:D3}");
                ratings.Add(random.Next(1, 6));
                times.Add(1_700_000_000L + random.Next(0, 10_000_000));
            }
        }

        return await ParquetNetLog.WriteAsync(
            path,
            (new DataField<string>("user_id"), users.ToArray()),
            (new DataField<string>("item_id"), items.ToArray()),
            (new DataField<int>("rating"), ratings.ToArray()),
            (new DataField<long>("timestamp"), times.ToArray()));
    }

    private static void WriteReport()
    {
        if (Outcomes.IsEmpty)
        {
            return;
        }

        DirectoryInfo? root = new(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Recommender.sln")))
        {
            root = root.Parent;
        }

        if (root is null)
        {
            return;
        }

        var text = new StringBuilder();
        text.AppendLine("# Bad-input corpus").AppendLine();
        text.AppendLine("Each case is written by `tests/Core.Tests/Reliability`, preprocessed alone, then run through the local pipeline on top of a published good version.").AppendLine();
        text.AppendLine("| case | outcome |").AppendLine("| --- | --- |");
        foreach ((string name, string outcome) in Outcomes.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            text.Append("| ").Append(name).Append(" | ").Append(Escape(outcome)).AppendLine(" |");
        }

        string folder = Path.Combine(root.FullName, "TestResults", "reliability");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "bad-inputs.md"), text.ToString());
    }

    private static string Escape(string text)
    {
        var escaped = new StringBuilder(text.Length);
        foreach (char c in text)
        {
            escaped.Append(c switch
            {
                '|' => "\\|",
                _ when char.IsControl(c) => $"\\u{(int)c:x4}",
                _ => c.ToString(),
            });
        }

        return escaped.ToString();
    }
}

/// <summary>The local pipeline's parts (as the CLI wires them) over one store folder.</summary>
public sealed class LocalPipelineParts : IDisposable
{
    public LocalPipelineParts(string storeFolder, IReadOnlyList<string> logs)
    {
        Artifacts = new LocalArtifactStore(Path.Combine(storeFolder, "artifacts"));
        Lookup = new SqliteLookupStore(Path.Combine(storeFolder, "lookup.db"));
        History = new RunHistory(Artifacts);
        Stages = PipelineStages.Create(Artifacts, Lookup, new LocalFileLogSource(logs), Options.Create(BadInputBaseline.Preprocessing), Options.Create(BadInputBaseline.Training), ColumnMapping.AutoDetect);
    }

    public LocalArtifactStore Artifacts { get; }

    public SqliteLookupStore Lookup { get; }

    public RunHistory History { get; }

    public PipelineStages Stages { get; }

    public SequentialPipeline Sequential => new(Stages, History);

    public void Dispose() => Lookup.Dispose();
}
