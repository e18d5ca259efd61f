using System.CommandLine;
using Recommender.Core.Demo;
using Spectre.Console;

namespace Recommender.Cli.Commands;

/// <summary>
/// <c>recommender movielens --data u.data --out ratings.parquet</c>: MovieLens' tab-separated ratings file as the Parquet
/// interaction log <c>run</c> reads, so the README's MovieLens figures can be reproduced with the command itself (the
/// data is GroupLens's, downloaded by the user; it is not shipped).
/// </summary>
internal static class MovieLensCommand
{
    public static Command Create()
    {
        var data = new Option<string>("--data") { Description = "MovieLens ratings file: u.data of ml-100k (user, item, rating, unix time; tab-separated).", Required = true };
        var output = new Option<string>("--out", "-o") { Description = "Parquet file to write (user_id, item_id, rating, timestamp).", Required = true };
        var force = new Option<bool>("--force") { Description = "Overwrite --out when it exists." };
        var command = new Command("movielens", "Convert MovieLens' u.data into a Parquet interaction log that run reads.") { data, output, force };
        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(async () =>
        {
            string source = parse.GetValue(data)!;
            if (!File.Exists(source))
            {
                throw new FileNotFoundException($"--data {source}: no such file; it is u.data of ml-100k (https://grouplens.org/datasets/movielens/100k/).");
            }

            string path = FileArguments.RequireWritableFile(parse.GetValue(output)!, "--out");
            FileArguments.RefuseOverwrite(path, parse.GetValue(output)!, "--out", parse.GetValue(force));

            int rows = await MovieLens.ConvertAsync(source, path, cancellationToken).ConfigureAwait(false);
            ConsoleOutput.Out.MarkupLine($"Wrote {ConsoleReport.N(rows)} ratings to {Markup.Escape(path)} (user_id, item_id, rating, timestamp)");
            ConsoleOutput.Out.MarkupLine(Markup.Escape(
                $"Next: recommender run --input {path}   (every rating one interaction weighted by its value, as the README's MovieLens figures; --value-column \"\" weighs them alike, --rating-threshold 4 keeps only ratings of 4 and 5)"));
        }));
        return command;
    }
}
