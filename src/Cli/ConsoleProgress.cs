using System.Globalization;
using Recommender.Core.Pipeline;
using Recommender.Core.Training;
using Spectre.Console;

namespace Recommender.Cli;

/// <summary>Progress displays for long steps (drawn on stderr only when someone is watching).</summary>
internal static class ConsoleProgress
{
    public static async Task<T> ReadLogsAsync<T>(Func<IProgress<LogReadProgress>, Task<T>> work)
    {
        if (!ConsoleOutput.Interactive)
        {
            return await work(new Progress<LogReadProgress>()).ConfigureAwait(false);
        }

        T result = default!;
        await ConsoleOutput.Error.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .StartAsync(async context =>
            {
                var tasks = new Dictionary<string, ProgressTask>(StringComparer.Ordinal);
                var progress = new SynchronousProgress<LogReadProgress>(update =>
                {
                    if (!tasks.TryGetValue(update.Source, out ProgressTask? task))
                    {
                        task = context.AddTask(Markup.Escape(Path.GetFileName(update.Source)), maxValue: Math.Max(1, update.RowsInLog));
                        tasks[update.Source] = task;
                    }

                    task.Value = update.RowsRead;
                });
                result = await work(progress).ConfigureAwait(false);
            }).ConfigureAwait(false);
        return result;
    }
}

/// <summary>One line per finished epoch (loss and validation metric, after the model's name where a run trains several) on stderr, for the training commands.</summary>
internal static class EpochLines
{
    public static IProgress<TrainingProgress> Create(string indent) => new SynchronousProgress<TrainingProgress>(p =>
    {
        if (p.IsEpochEnd)
        {
            string metric = p.Metric is { } m ? string.Create(CultureInfo.InvariantCulture, $"  {p.MetricName} {m:F4}") : string.Empty;
            string model = p.Model is null ? string.Empty : Markup.Escape($"{p.Model,-7}  ");
            ConsoleOutput.Error.MarkupLine(string.Create(CultureInfo.InvariantCulture, $"[grey]{indent}{model}epoch {p.Epoch,3}/{p.TotalEpochs}  loss {p.Loss:F4}{metric}[/]"));
        }
    });
}

/// <summary>An <see cref="IProgress{T}"/> that reports on the caller's thread (no synchronization context needed).</summary>
internal sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
