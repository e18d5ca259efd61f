using System.Globalization;
using System.Text.Json;
using Recommender.Benchmarks;

// recommender-bench <scenario> [options]: runs a scenario, prints a table and writes bench/results/<scenario>.json and .png.
// Contenders run in child processes ("child <name> ...") so that each one's peak memory is measured alone.
if (args.Length >= 2 && args[0] == "child")
{
    return args[1] switch
    {
        "preprocess-ours" => await PreprocessBenchmark.OursAsync(args[2], args[3]),
        "preprocess-parquet-net" => await PreprocessBenchmark.OursAsync(args[2], args[3], parquetNetOnly: true),
        "preprocess-duckdb" => PreprocessBenchmark.DuckDb(args[2], args[3]),
        "scoring-prepare" => await ScoringMemoryBenchmark.PrepareBundleAsync(args[2], args[3]),
        "scoring-shard" => await ScoringMemoryBenchmark.ShardAsync(args[2], args[3], int.Parse(args[4], CultureInfo.InvariantCulture), int.Parse(args[5], CultureInfo.InvariantCulture)),
        "scoring-whole-model" => await ScoringMemoryBenchmark.WholeModelAsync(args[2], args[3], int.Parse(args[4], CultureInfo.InvariantCulture), int.Parse(args[5], CultureInfo.InvariantCulture)),
        _ => throw new ArgumentException($"unknown child '{args[1]}'"),
    };
}

string repo = FindRepository();
string results = Path.Combine(repo, "bench", "results");

// recommender-bench plot <scenario>: redraws bench/results/<scenario>.png from its JSON, without running anything.
if (args.Length >= 2 && args[0] == "plot")
{
    string json = Path.Combine(results, $"{args[1]}.json");
    var stored = JsonSerializer.Deserialize<List<Measurement>>(await File.ReadAllTextAsync(json), ChildProcess.Json)
        ?? throw new InvalidDataException($"{json} holds no measurements");
    Console.WriteLine($"wrote {await WritePictureAsync(args[1], stored)}");
    return 0;
}

string scenario = args.Length > 0 ? args[0] : "preprocess";
string work = Path.Combine(repo, "bench", "work");
Directory.CreateDirectory(work);
Directory.CreateDirectory(results);

IReadOnlyList<Measurement> measurements = scenario switch
{
    "preprocess" => await PreprocessBenchmark.RunAsync(work, Option("--rows", 20_000_000)),
    "movielens" => await MovieLensBenchmark.RunAsync(repo, work),
    "quality" => await QualityBenchmark.RunAsync(repo, work),
    "scoring" => ScoringBenchmark.Run(),
    "scoring-memory" => await ScoringMemoryBenchmark.RunAsync(work, Option("--rows", 20_000_000)),
    "training" => await TrainingBenchmark.RunOnMovieLensAsync(repo, work),
    "training-large" => await TrainingBenchmark.RunOnGeneratedLogAsync(work, Option("--rows", 20_000_000)),
    "lookup" => await LookupBenchmark.RunAsync(repo, work, Option("--users", 20_000), Option("--seconds", 10)),
    "e2e" => await EndToEndBenchmark.RunAsync(repo, work),
    _ => throw new ArgumentException($"unknown scenario '{scenario}' (preprocess, movielens, quality, scoring, scoring-memory, training, training-large, lookup, e2e)"),
};

foreach (Measurement m in measurements)
{
    string figures = string.Join("  ", m.Figures.Select(f => string.Create(CultureInfo.InvariantCulture, $"{f.Key}={f.Value:G6}")));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{m.Scenario,-12} {m.Contender,-12} {m.Seconds,8:F2} s  peak {m.PeakBytes / 1048576.0,8:F0} MiB  {figures}"));
}

if (measurements.Count == 2)
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"time ratio {measurements[0].Contender}/{measurements[1].Contender}: {measurements[0].Seconds / measurements[1].Seconds:F2}"));
}

string resultFile = Path.Combine(results, $"{scenario}.json");
await File.WriteAllTextAsync(resultFile, JsonSerializer.Serialize(measurements, ChildProcess.Json));
Console.WriteLine($"wrote {resultFile}");
Console.WriteLine($"wrote {await WritePictureAsync(scenario, measurements)}");
return 0;

async Task<string> WritePictureAsync(string name, IReadOnlyList<Measurement> figures)
{
    string picture = Path.Combine(results, $"{name}.png");
    await File.WriteAllBytesAsync(picture, BenchmarkChart.RenderPng(name, figures));
    return picture;
}

int Option(string name, int defaultValue)
{
    int index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : defaultValue;
}

static string FindRepository()
{
    for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
    {
        if (File.Exists(Path.Combine(folder.FullName, "Recommender.sln")))
        {
            return folder.FullName;
        }
    }

    return Directory.GetCurrentDirectory();
}
