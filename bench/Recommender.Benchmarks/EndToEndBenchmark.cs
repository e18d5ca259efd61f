using System.Diagnostics;
using Recommender.Core.Demo;

namespace Recommender.Benchmarks;

/// <summary>
/// The whole pipeline as a user runs it: <c>recommender run</c> with default options and an embedded store in a
/// fresh folder, timed from process start to exit, on MovieLens 100K (Parquet from u.data) and on a generated
/// sparse log (about 100k rows over a 10,000-item catalog, ten times more items than users), beside the same CLI
/// printing <c>--help</c> (the cost of starting the process at all).
/// </summary>
internal static class EndToEndBenchmark
{
    /// <summary>The generated sparse log: 1,000 users, 10,000 items in 40 taste clusters, about 100 rows a user.</summary>
    private static readonly SyntheticLogOptions SparseLog = new() { Users = 1_000, Items = 10_000, Clusters = 40, MeanPerUser = 100, Seed = 42 };

    public static async Task<IReadOnlyList<Measurement>> RunAsync(string repository, string workFolder)
    {
        string cli = Path.Combine(repository, "src", "Cli", "bin", "Release", "net10.0", "recommender.dll");
        if (!File.Exists(cli))
        {
            Console.Error.WriteLine($"building {cli} ...");
            await RunAsync("dotnet", ["build", "-c", "Release", Path.Combine(repository, "src", "Cli")], echo: true).ConfigureAwait(false);
        }

        string folder = Path.Combine(workFolder, "e2e");
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }

        Directory.CreateDirectory(folder);
        string movieLens = Path.Combine(folder, "u.data.parquet");
        await MovieLens.ConvertAsync(MovieLensData.FindRatings(repository), movieLens).ConfigureAwait(false);
        string sparse = Path.Combine(folder, "sparse.parquet");
        long sparseRows;
        await using (FileStream output = File.Create(sparse))
        {
            sparseRows = await SyntheticInteractionLog.WriteAsync(output, SparseLog).ConfigureAwait(false);
        }

        var help = new double[3];
        for (int i = 0; i < help.Length; i++)
        {
            (help[i], _) = await RunAsync("dotnet", [cli, "--help"], echo: false).ConfigureAwait(false);
        }

        double helpMedian = help.Order().ElementAt(help.Length / 2);
        return
        [
            await TimeRunAsync(cli, "run", movieLens, Path.Combine(folder, "store"), 100_000, targetSeconds: 30, helpMedian).ConfigureAwait(false),
            await TimeRunAsync(cli, "run-sparse", sparse, Path.Combine(folder, "store-sparse"), sparseRows, targetSeconds: 60, helpMedian).ConfigureAwait(false),
            new Measurement("e2e", "help", helpMedian, 0, new Dictionary<string, double>(StringComparer.Ordinal)
            {
                ["runs"] = help.Length,
                ["fastestSeconds"] = Math.Round(help.Min(), 3),
            }),
        ];
    }

    /// <summary>Times <c>recommender run --input <paramref name="log"/></c> into a fresh store, with each stage's seconds.</summary>
    private static async Task<Measurement> TimeRunAsync(string cli, string contender, string log, string store, long rows, int targetSeconds, double helpSeconds)
    {
        (double run, IReadOnlyList<(string Stage, double At)> stages) = await RunAsync("dotnet", [cli, "run", "--input", log, "--store", store], echo: true).ConfigureAwait(false);
        var figures = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["interactions"] = rows,
            ["targetSeconds"] = targetSeconds,
            ["secondsAboveStart"] = Math.Round(run - helpSeconds, 3),
        };
        for (int i = 0; i < stages.Count; i++)
        {
            // A stage lasts from its "▸ stage" line to the next one (or to the process exit).
            double end = i + 1 < stages.Count ? stages[i + 1].At : run;
            figures[$"{stages[i].Stage}Seconds"] = Math.Round(end - stages[i].At, 3);
        }

        if (stages.Count > 0)
        {
            figures["beforeFirstStageSeconds"] = Math.Round(stages[0].At, 3);
        }

        return new Measurement("e2e", contender, run, 0, figures);
    }

    /// <summary>Runs a process to its exit; returns its wall time and when each "▸ stage" line reached stderr.</summary>
    private static async Task<(double Seconds, IReadOnlyList<(string Stage, double At)> Stages)> RunAsync(string program, string[] arguments, bool echo)
    {
        var start = new ProcessStartInfo(program, arguments) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        var stages = new List<(string Stage, double At)>();
        var errorText = new System.Text.StringBuilder();
        var clock = Stopwatch.StartNew();
        using Process process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start.");
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task errors = Task.Run(async () =>
        {
            while (await process.StandardError.ReadLineAsync().ConfigureAwait(false) is { } line)
            {
                double at = clock.Elapsed.TotalSeconds;
                errorText.AppendLine(line);
                int marker = line.IndexOf('▸', StringComparison.Ordinal);
                if (marker >= 0)
                {
                    string stage = new(line[(marker + 1)..].TrimStart().TakeWhile(char.IsLetter).ToArray());
                    stages.Add((stage, at));
                }
            }
        });
        await process.WaitForExitAsync().ConfigureAwait(false);
        double seconds = clock.Elapsed.TotalSeconds;
        await errors.ConfigureAwait(false);
        string text = await output.ConfigureAwait(false) + errorText;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed with {process.ExitCode}:\n{text}");
        }

        if (echo)
        {
            Console.Error.WriteLine(text.Length > 6000 ? text[..3000] + "\n...\n" + text[^3000..] : text);
        }

        return (seconds, stages);
    }
}
