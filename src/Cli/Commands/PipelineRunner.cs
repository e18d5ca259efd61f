using System.Globalization;
using Recommender.Core.Datasets;
using Recommender.Core.Pipeline;
using Recommender.Core.Training;
using Spectre.Console;

namespace Recommender.Cli.Commands;

/// <summary>How <c>run</c> and <c>demo</c> share the store and report.</summary>
/// <param name="Command">The command's name, for the store lock.</param>
/// <param name="Wait">Wait for another run that holds the store instead of exiting.</param>
/// <param name="Fresh">Do not resume an interrupted run.</param>
/// <param name="Json">Print one JSON object instead of tables.</param>
/// <param name="Settings">Digest of the options that shape the run (see <see cref="InterruptedRuns.SettingsOf"/>).</param>
internal sealed record RunControl(string Command, bool Wait, bool Fresh, bool Json, string Settings);

/// <summary>The quality gate's thresholds as <c>run</c>'s options set them (<see cref="PipelineOptions"/>).</summary>
internal sealed record QualityGateThresholds(double MinVersusPopularity, double MaxRegressionVersusLive);

/// <summary>A finished pipeline run and what the CLI reports of it.</summary>
internal sealed record PipelineRun(PipelineOutcome Outcome, PreprocessingView? Preprocessing, string? ReportPath, int TopK, int EvaluationK, double Seconds);

/// <summary>
/// Runs the whole pipeline on the embedded store, as <c>run</c> and <c>demo</c> do: under the store's
/// single-writer lock, resuming an interrupted run on the same input, with progress on stderr, and stopping
/// after the current epoch on Ctrl-C.
/// </summary>
internal static class PipelineRunner
{
    /// <summary>Runs the pipeline with <paramref name="gate"/>'s quality gate thresholds (the defaults when null).</summary>
    public static async Task<PipelineRun> RunAsync(
        LocalPipeline pipeline, StoreLayout layout, RunControl control, string trigger, int topK, int evaluationK, CancellationToken cancellationToken, QualityGateThresholds? gate = null)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await using StoreLock storeLock = await StoreLock.AcquireAsync(layout, control.Command, control.Wait, cancellationToken).ConfigureAwait(false);
        await RecordKilledRunAsync(pipeline, layout, storeLock.RecoveredFrom).ConfigureAwait(false);
        string fingerprint = await pipeline.Logs.FingerprintAsync(cancellationToken).ConfigureAwait(false);
        string newRunId = PipelinePaths.NewRunId(DateTimeOffset.UtcNow, Guid.NewGuid().ToString("N")[..6]);
        (string runId, _) = await InterruptedRuns.ChooseRunIdAsync(layout, pipeline, fingerprint, control.Settings, control.Fresh, newRunId, cancellationToken).ConfigureAwait(false);
        storeLock.Describe(runId, fingerprint, control.Settings);

        var options = new PipelineOptions { TopK = topK, EvaluationK = evaluationK, ShardSize = 50_000 };
        if (gate is not null)
        {
            (options.MinNdcgVersusPopularity, options.MaxRegressionVersusLive) = (gate.MinVersusPopularity, gate.MaxRegressionVersusLive);
        }

        var request = new PipelineRunRequest(runId, trigger, PipelineRunSettings.From(options, epochsPerActivity: 0));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        string stage = string.Empty;
        bool stopAfterEpoch = false;
        using IDisposable? safePoint = Interrupts.Current?.OnFirstSignal(() =>
        {
            if (Volatile.Read(ref stage) != PipelineStageNames.Train)
            {
                return false;
            }

            Volatile.Write(ref stopAfterEpoch, true);
            ConsoleOutput.Error.MarkupLine("[yellow]stopping after this epoch, once its checkpoint is written (Ctrl-C again stops at once)[/]");
            return true;
        });
        var stages = new SynchronousProgress<PipelineProgress>(p =>
        {
            // A stage reports more than once (scoring after each shard); its line is printed once.
            if (Volatile.Read(ref stage) == p.Stage)
            {
                return;
            }

            Volatile.Write(ref stage, p.Stage);
            ConsoleOutput.Error.MarkupLine($"[grey]▸ {p.Stage}[/]{(p.Detail is null ? string.Empty : $" [grey]({Markup.Escape(p.Detail)})[/]")}");
        });
        IProgress<TrainingProgress> lines = EpochLines.Create("  ");
        var epochs = new SynchronousProgress<TrainingProgress>(p =>
        {
            lines.Report(p);
            if (p.IsEpochEnd && Volatile.Read(ref stopAfterEpoch))
            {
                stop.Cancel();
            }
        });

        PipelineOutcome outcome;
        try
        {
            outcome = await pipeline.Sequential.RunAsync(request, stages, epochs, stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            RunRecord? record = await pipeline.History.GetAsync(runId, CancellationToken.None).ConfigureAwait(false);
            string reason = record?.Reason ?? "interrupted";
            InterruptedRuns.Remember(layout, new InterruptedRun(runId, fingerprint, control.Settings, reason));
            throw new CommandInterruptedException(
                $"run {runId} {reason}; the same command on the same input resumes it, --fresh starts over.");
        }
        catch (PipelineFailedException)
        {
            InterruptedRuns.Clear(layout);
            throw;
        }

        InterruptedRuns.Clear(layout);
        return new PipelineRun(
            outcome,
            await PreprocessingOfAsync(pipeline, outcome, cancellationToken).ConfigureAwait(false),
            ReportPathOf(pipeline, outcome.RunId),
            topK,
            evaluationK,
            clock.Elapsed.TotalSeconds);
    }

    /// <summary>Prints what the run did: preprocessing, metrics (at which K, over how many users), the verdict and the files written.</summary>
    /// <param name="run">The run.</param>
    /// <param name="files">Other files the command wrote, by a camelCase name ("generatedLog").</param>
    public static void Print(PipelineRun run, IReadOnlyDictionary<string, string>? files = null)
    {
        ArgumentNullException.ThrowIfNull(run);
        PipelineOutcome outcome = run.Outcome;
        if (run.Preprocessing is { } preprocessing)
        {
            ConsoleReport.Preprocessing(preprocessing, manifestPath: null);
        }

        EvaluateStageOutput? evaluation = outcome.Evaluation;
        ConsoleReport.Leaderboard(outcome.Leaderboard);
        if (evaluation is not null)
        {
            ConsoleReport.Metrics(evaluation);
            ConsoleOutput.Out.MarkupLine(Markup.Escape(string.Create(
                CultureInfo.InvariantCulture,
                $"Metrics at K = {run.EvaluationK} over the {MetricUsers(evaluation):N0} users with held-out interactions; up to {Math.Min(run.TopK, run.Preprocessing?.Items ?? run.TopK)} items per user in the lookup table.")));
            if (outcome.Leaderboard is { Count: > 0 })
            {
                ConsoleOutput.Out.MarkupLine(Markup.Escape(
                    "The automatic choice picked the model (and a blend's weights) on these same held-out interactions, so the figures lean optimistic; `recommender-bench quality` measures on a part no choice saw."));
            }
        }

        string refit = evaluation?.Refit is { } plan
            ? string.Create(CultureInfo.InvariantCulture, $" (trained again on train + validation, {plan.Training}; the metrics above are of the model trained on train only, measured on validation before that refit)")
            : " (the model trained on train only; refit off)";
        string verdict = outcome.Result switch
        {
            RunResults.Published => $"[green]published[/] version {Markup.Escape(outcome.RunId)}{Markup.Escape(refit)}",
            RunResults.Rejected => $"[yellow]not published[/]: {Markup.Escape(evaluation?.Reason.TrimEnd('.') ?? "quality gate")}",
            _ => Markup.Escape(outcome.Result),
        };
        ConsoleOutput.Out.MarkupLine(string.Create(CultureInfo.InvariantCulture, $"Run {Markup.Escape(outcome.RunId)}: {verdict} in {run.Seconds:F1} s"));
        foreach ((string what, string path) in Files(run, files))
        {
            ConsoleOutput.Out.MarkupLine($"{Markup.Escape(ConsoleReport.Words(what))}: {Markup.Escape(path)}");
        }
    }

    /// <summary>The run as one JSON object (the <c>--json</c> output of <c>run</c> and <c>demo</c>).</summary>
    public static object ToJson(PipelineRun run, IReadOnlyDictionary<string, string>? files = null)
    {
        ArgumentNullException.ThrowIfNull(run);
        PipelineOutcome outcome = run.Outcome;
        EvaluateStageOutput? evaluation = outcome.Evaluation;
        return new
        {
            runId = outcome.RunId,
            result = outcome.Result,
            datasetVersion = outcome.DatasetVersion,
            k = run.TopK,
            evaluationK = run.EvaluationK,
            metricUsers = evaluation is null ? (int?)null : MetricUsers(evaluation),
            metrics = evaluation is null ? null : new
            {
                model = ConsoleReport.Finite(evaluation.Model),
                popularity = ConsoleReport.Finite(evaluation.Popularity),
                live = ConsoleReport.Finite(evaluation.Live),
            },
            liveNotCompared = evaluation?.LiveNotCompared,
            gate = evaluation?.Reason,
            leaderboard = outcome.Leaderboard,
            refit = evaluation?.Refit,
            preprocessing = run.Preprocessing,
            files = Files(run, files),
            seconds = Math.Round(run.Seconds, 3),
        };
    }

    private static Dictionary<string, string> Files(PipelineRun run, IReadOnlyDictionary<string, string>? extra)
    {
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach ((string what, string path) in extra ?? new Dictionary<string, string>())
        {
            files[what] = path;
        }

        if (run.ReportPath is { } report)
        {
            files["report"] = report;
        }

        return files;
    }

    /// <summary>
    /// A run whose process was killed left no record: it gets one ("interrupted") and becomes the interrupted run, so
    /// the same command resumes it from its checkpoints and any other run removes them.
    /// </summary>
    private static async Task RecordKilledRunAsync(LocalPipeline pipeline, StoreLayout layout, StoreLockOwner? killed)
    {
        if (killed is not { RunId: { } runId, InputFingerprint: { } fingerprint, Settings: { } settings }
            || await pipeline.History.GetAsync(runId, CancellationToken.None).ConfigureAwait(false) is { Result: not RunResults.Interrupted })
        {
            return;
        }

        string reason = string.Create(CultureInfo.InvariantCulture, $"its process {killed.ProcessId} ended before the run did");
        await pipeline.History.WriteAsync(
            new RunRecord
            {
                RunId = runId,
                Trigger = killed.Command,
                Result = RunResults.Interrupted,
                StartedAt = killed.Since,
                FinishedAt = DateTimeOffset.UtcNow,
                Reason = reason,
                InputFingerprint = fingerprint,
            },
            CancellationToken.None).ConfigureAwait(false);
        InterruptedRuns.Remember(layout, new InterruptedRun(runId, fingerprint, settings, reason));
    }

    private static int MetricUsers(EvaluateStageOutput evaluation) => (int)evaluation.Model.GetValueOrDefault("users");

    private static async Task<PreprocessingView?> PreprocessingOfAsync(LocalPipeline pipeline, PipelineOutcome outcome, CancellationToken cancellationToken)
    {
        RunRecord? record = await pipeline.History.GetAsync(outcome.RunId, cancellationToken).ConfigureAwait(false);
        if (record?.Preprocessing is not { } summary || outcome.DatasetVersion is not { } version)
        {
            return null;
        }

        DatasetManifest manifest = await new CuratedDatasetReader(pipeline.Artifacts).ReadManifestAsync(version, cancellationToken).ConfigureAwait(false);
        return PreprocessingView.From(summary, manifest);
    }

    private static string? ReportPathOf(LocalPipeline pipeline, string runId)
    {
        string path = pipeline.Artifacts.GetFullPath(PipelinePaths.Model(runId) + "report.html");
        return File.Exists(path) ? path : null;
    }
}
