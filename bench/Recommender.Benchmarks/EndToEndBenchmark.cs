using System.Diagnostics;
using Recommender.Core.Demo;

namespace Recommender.Benchmarks;

/// <summary>
/// The whole pipeline as a user runs it: <c>recommender run</c> on MovieLens 100K (Parquet from
/// u.data) with default options and an embedded store in a fresh folder, timed from process start
/// to exit, beside the same CLI printing <c>--help</c> (the cost of starting the process at all).
/// </summary>
internal static class EndToEndBenchmark
{
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
        string log = Path.Combine(folder, "u.data.parquet");
        await MovieLens.ConvertAsync(MovieLensData.FindRatings(repository), log).ConfigureAwait(false);
        string store = Path.Combine(folder, "store");

        var help = new double[3];
        for (int i = 0; i < help.Length; i++)
        {
            (help[i], _) = await RunAsync("dotnet", [cli, "--help"], echo: false).ConfigureAwait(false);
        }

        (double run, IReadOnlyList<(string Stage, double At)> stages) = await RunAsync("dotnet", [cli, "run", "--input", log, "--store", store], echo: true).ConfigureAwait(false);
        double helpMedian = help.Order().ElementAt(help.Length / 2);
        var figures = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["interactions"] = 100_000,
            ["targetSeconds"] = 20,
            ["secondsAboveStart"] = Math.Round(run - helpMedian, 3),
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

        return
        [
            new Measurement("e2e", "run", run, 0, figures),
            new Measurement("e2e", "help", helpMedian, 0, new Dictionary<string, double>(StringComparer.Ordinal)
            {
                ["runs"] = help.Length,
                ["fastestSeconds"] = Math.Round(help.Min(), 3),
            }),
        ];
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
