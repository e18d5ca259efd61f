using System.CommandLine;
using System.CommandLine.Parsing;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Recommender.Core.Pipeline;
using Recommender.Core.Storage;
using Spectre.Console;

namespace Recommender.Cli;

/// <summary>A run stopped by Ctrl-C, kept so that the same command on the same input resumes it.</summary>
/// <param name="RunId">The run; its checkpoints are under <c>models/{RunId}/</c>.</param>
/// <param name="InputFingerprint">Fingerprint of the logs it read (names, sizes, change tags).</param>
/// <param name="Settings">Digest of the options that shape the dataset and the model.</param>
/// <param name="Reason">What the run record says, e.g. "interrupted after epoch 3" or, in the automatic choice, "interrupted after epoch 3 of softmax".</param>
internal sealed record InterruptedRun(string RunId, string InputFingerprint, string Settings, string Reason);

/// <summary>
/// Resumption and clean-up of interrupted runs in the embedded store. The next <c>run</c> with the same input
/// and options takes the interrupted run's id, so training resumes from its newest checkpoint; any other run
/// (or <c>--fresh</c>) starts a new id and deletes the artifacts of every interrupted run, as publishing in the
/// Functions pipeline deletes the lookup rows of runs that died before publishing.
/// </summary>
internal static class InterruptedRuns
{
    /// <summary>Options that do not change what a run computes, so they do not stop it from resuming.</summary>
    private static readonly HashSet<string> IgnoredOptions = new(StringComparer.Ordinal) { "--store", "--wait", "--fresh", "--json", "--device", "--input" };

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>A digest of the options given on <paramref name="parse"/>'s command line that shape the result.</summary>
    public static string SettingsOf(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        IEnumerable<string> given = parse.CommandResult.Children.OfType<OptionResult>()
            .Where(result => !result.Implicit && !IgnoredOptions.Contains(result.Option.Name))
            .OrderBy(result => result.Option.Name, StringComparer.Ordinal)
            .Select(result => result.Option.Name + "=" + string.Join('\u001f', result.Tokens.Select(token => token.Value)));
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\u001e', given))))[..16];
    }

    /// <summary>
    /// The id the next run takes: the interrupted run's when it read the same input with the same options (and
    /// <paramref name="fresh"/> is off), else <paramref name="newRunId"/>, after deleting what interrupted runs left.
    /// </summary>
    public static async Task<(string RunId, bool Resumed)> ChooseRunIdAsync(
        StoreLayout layout, LocalPipeline pipeline, string inputFingerprint, string settings, bool fresh, string newRunId, CancellationToken cancellationToken)
    {
        InterruptedRun? interrupted = Read(layout);
        if (interrupted is not null && !fresh && interrupted.InputFingerprint == inputFingerprint && interrupted.Settings == settings)
        {
            ConsoleOutput.Error.MarkupLine($"[grey]resuming run {Markup.Escape(interrupted.RunId)} ({Markup.Escape(interrupted.Reason)}); --fresh starts over[/]");
            await RemoveOrphansAsync(pipeline, keep: interrupted.RunId, cancellationToken).ConfigureAwait(false);
            return (interrupted.RunId, true);
        }

        await RemoveOrphansAsync(pipeline, keep: null, cancellationToken).ConfigureAwait(false);
        Clear(layout);
        return (newRunId, false);
    }

    /// <summary>Remembers <paramref name="run"/> for the next command.</summary>
    public static void Remember(StoreLayout layout, InterruptedRun run)
    {
        string path = PathOf(layout);
        File.WriteAllText(path + ".partial", JsonSerializer.Serialize(run, Json));
        File.Move(path + ".partial", path, overwrite: true);
    }

    /// <summary>Forgets the interrupted run (it finished, or will not be resumed).</summary>
    public static void Clear(StoreLayout layout) => File.Delete(PathOf(layout));

    private static InterruptedRun? Read(StoreLayout layout)
    {
        try
        {
            return JsonSerializer.Deserialize<InterruptedRun>(File.ReadAllText(PathOf(layout)), Json);
        }
        catch (Exception ex) when (ex is IOException or JsonException)
        {
            return null;
        }
    }

    /// <summary>Deletes the model artifacts (checkpoints, manifest) of recorded interrupted runs; their run records stay.</summary>
    private static async Task RemoveOrphansAsync(LocalPipeline pipeline, string? keep, CancellationToken cancellationToken)
    {
        var orphans = new List<RunRecord>();
        await foreach (RunRecord record in pipeline.History.ListAsync(cancellationToken).ConfigureAwait(false))
        {
            if (record.Result == RunResults.Interrupted && record.RunId != keep)
            {
                orphans.Add(record);
            }
        }

        foreach (RunRecord orphan in orphans)
        {
            // The run's own folder, and those of the runs it made: its refit and the automatic choice's candidates ({runId}.*).
            int deleted = await pipeline.Artifacts.DeleteUnderAsync(PipelinePaths.Model(orphan.RunId), cancellationToken).ConfigureAwait(false)
                + await pipeline.Artifacts.DeleteUnderAsync(PipelinePaths.Model(orphan.RunId).TrimEnd('/') + ".", cancellationToken).ConfigureAwait(false);

            if (deleted > 0)
            {
                ConsoleOutput.Error.MarkupLine($"[grey]removed the checkpoints of interrupted run {Markup.Escape(orphan.RunId)} ({Markup.Escape(orphan.Reason ?? "interrupted")})[/]");
            }
        }
    }

    private static string PathOf(StoreLayout layout) => Path.Combine(layout.Root, "interrupted-run.json");
}
