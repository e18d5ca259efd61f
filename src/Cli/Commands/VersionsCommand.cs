using System.CommandLine;
using System.Globalization;
using Recommender.Core.Lookup;
using Recommender.Core.Pipeline;
using Recommender.Core.Storage;
using Spectre.Console;

namespace Recommender.Cli.Commands;

/// <summary>
/// <c>recommender versions</c> (the versions the store's lookup table keeps, the live one marked, with each run's
/// evaluation) and <c>recommender activate --version V</c> (roll back or forward to a kept version): what
/// <c>GET /api/models</c> and <c>POST /api/models/{version}/activate</c> do for the app.
/// </summary>
internal static class VersionsCommand
{
    public static Command CreateList()
    {
        var store = CommonOptions.Store();
        var json = CommonOptions.Json();
        var command = new Command("versions", "List the versions the lookup table keeps, newest first, the live one marked, with each run's metrics.") { store, json };
        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(async () =>
        {
            var layout = new StoreLayout(parse.GetValue(store));
            using SqliteLookupStore lookup = LookupVersions.OpenExisting(layout);
            var history = new RunHistory(new LocalArtifactStore(layout.Artifacts));
            var rows = new List<(LookupVersion Version, RunRecord? Record)>();
            foreach (LookupVersion version in (await lookup.ListVersionsAsync(cancellationToken).ConfigureAwait(false)).OrderByDescending(v => v.CreatedAt))
            {
                rows.Add((version, await history.GetAsync(version.Version, cancellationToken).ConfigureAwait(false)));
            }

            if (rows.Count == 0)
            {
                throw LookupVersions.NothingPublished(layout);
            }

            if (parse.GetValue(json))
            {
                ConsoleOutput.Json(rows.Select(row => new
                {
                    version = row.Version.Version,
                    active = row.Version.IsActive,
                    published = row.Version.IsPublished,
                    users = row.Version.UserCount,
                    createdAt = row.Version.CreatedAt,
                    metrics = ConsoleReport.Finite(row.Record?.Evaluation?.Model),
                }));
                return;
            }

            var table = new Table().Border(TableBorder.Rounded).Title("[bold]Versions[/]")
                .AddColumn("Version").AddColumn("State").AddColumn(new TableColumn("Users").RightAligned()).AddColumn("Written (UTC)").AddColumn("Validation");
            foreach ((LookupVersion version, RunRecord? record) in rows)
            {
                string state = version.IsActive ? "[green]live[/]" : version.IsPublished ? "kept" : "[grey]never published[/]";
                table.AddRow(
                    Markup.Escape(version.Version),
                    state,
                    ConsoleReport.N(version.UserCount),
                    version.CreatedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture),
                    Markup.Escape(ValidationNdcgOf(record)));
            }

            ConsoleOutput.Out.Write(table);
            ConsoleOutput.Out.MarkupLine("Roll back or forward with: recommender activate --version VERSION");
        }));
        return command;
    }

    public static Command CreateActivate()
    {
        var store = CommonOptions.Store();
        var version = new Option<string>("--version") { Description = "A kept version that was published before (see `recommender versions`).", Required = true };
        var wait = CommonOptions.Wait();
        var command = new Command("activate", "Make a kept, previously published version live again: roll back (or forward) without training.") { store, version, wait };
        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(async () =>
        {
            var layout = new StoreLayout(parse.GetValue(store));
            using SqliteLookupStore lookup = LookupVersions.OpenExisting(layout);

            // A run publishing at the same time would race this switch: one writer at a time, as for runs.
            await using StoreLock storeLock = await StoreLock.AcquireAsync(layout, "activate", parse.GetValue(wait), cancellationToken).ConfigureAwait(false);
            string chosen = parse.GetValue(version)!;
            await LookupVersions.RequirePublishedAsync(lookup, chosen, layout, cancellationToken).ConfigureAwait(false);
            string? previous = await lookup.PublishAsync(chosen, cancellationToken).ConfigureAwait(false);
            ConsoleOutput.Out.MarkupLine(previous is null || previous == chosen
                ? $"Version {Markup.Escape(chosen)} is live."
                : $"Version {Markup.Escape(chosen)} is live; {Markup.Escape(previous)} was.");
        }));
        return command;
    }

    /// <summary>The run's validation NDCG ("ndcg@10 0.4123"), or a dash when no evaluation was recorded.</summary>
    private static string ValidationNdcgOf(RunRecord? record)
    {
        if (record?.Evaluation?.Model is not { } metrics)
        {
            return "—";
        }

        (string name, double value) = metrics.FirstOrDefault(pair => pair.Key.StartsWith("ndcg@", StringComparison.Ordinal));
        return name is null || !double.IsFinite(value) ? "—" : string.Create(CultureInfo.InvariantCulture, $"{name} {value:F4}");
    }
}
