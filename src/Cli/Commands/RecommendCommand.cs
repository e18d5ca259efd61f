using System.CommandLine;
using System.Globalization;
using Recommender.Core.Lookup;
using Recommender.Core.Preprocessing;
using Spectre.Console;

namespace Recommender.Cli.Commands;

/// <summary><c>recommender recommend --user ID</c>: one user's list from the active version of the lookup table.</summary>
internal static class RecommendCommand
{
    public static Command Create()
    {
        var store = CommonOptions.Store();
        var user = new Option<string>("--user", "-u") { Description = "External user id.", Required = true };
        var k = CommonOptions.K(10);
        var json = CommonOptions.Json();
        var command = new Command("recommend", "Show a user's recommendations from the published lookup table.") { store, user, k, json };
        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(async () =>
        {
            if (ExternalIdRule.Problem(parse.GetValue(user)) is { } reason)
            {
                throw new ArgumentException($"--user {reason}: preprocessing drops such ids, so no list can be stored for one.");
            }

            var layout = new StoreLayout(parse.GetValue(store));

            int count = parse.GetValue(k);
            using SqliteLookupStore lookup = LookupVersions.OpenExisting(layout);
            string userId = parse.GetValue(user)!;
            UserRecommendations? list = await lookup.GetAsync(userId, cancellationToken: cancellationToken).ConfigureAwait(false);
            bool fallback = list is null;
            list ??= await lookup.GetFallbackAsync(cancellationToken: cancellationToken).ConfigureAwait(false)
                ?? throw LookupVersions.NothingPublished(layout);
            if (count > list.ItemIds.Count)
            {
                ConsoleOutput.Error.MarkupLine(
                    $"[yellow]note:[/] --k {count}: version {Markup.Escape(list.Version)} holds {list.ItemIds.Count} items for this {(fallback ? "fallback list" : "user")}; `run --k` sets how many are stored.");
            }

            if (parse.GetValue(json))
            {
                ConsoleOutput.Json(new
                {
                    userId,
                    version = list.Version,
                    fallback,
                    items = list.ItemIds.Take(count).Select((item, i) => new { rank = i + 1, itemId = item, score = ConsoleReport.Finite(list.Scores[i]) }),
                });
                return;
            }

            var table = new Table().Border(TableBorder.Rounded)
                .Title(fallback ? $"[yellow]{Markup.Escape(userId)} is unknown: most popular items[/]" : $"[bold]{Markup.Escape(userId)}[/]")
                .AddColumn(new TableColumn("Rank").RightAligned()).AddColumn("Item").AddColumn(new TableColumn("Score").RightAligned());
            for (int i = 0; i < Math.Min(count, list.ItemIds.Count); i++)
            {
                table.AddRow((i + 1).ToString(CultureInfo.InvariantCulture), Markup.Escape(list.ItemIds[i]), list.Scores[i].ToString("F4", CultureInfo.InvariantCulture));
            }

            ConsoleOutput.Out.Write(table);
            ConsoleOutput.Out.MarkupLine($"Model version {Markup.Escape(list.Version)}{(fallback ? " (fallback)" : string.Empty)}");
        }));
        return command;
    }
}
