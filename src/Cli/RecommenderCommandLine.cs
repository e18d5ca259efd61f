using System.CommandLine;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using System.Text.RegularExpressions;
using Recommender.Cli.Commands;
using Spectre.Console;

namespace Recommender.Cli;

/// <summary>The <c>recommender</c> command tree, and how a command line is parsed and run.</summary>
internal static partial class RecommenderCommandLine
{
    public static RootCommand Create()
    {
        var root = new RootCommand("Recommender: Parquet interaction logs in, fresh top-K recommendations out.")
        {
            DemoCommand.Create(),
            RunCommand.Create(),
            PreprocessCommand.Create(),
            TrainCommand.Create(),
            EvaluateCommand.Create(),
            RecommendCommand.Create(),
            ExportCommand.Create(),
            VersionsCommand.CreateList(),
            VersionsCommand.CreateActivate(),
            MovieLensCommand.Create(),
        };
        OptionRules.Apply(root);
        return root;
    }

    /// <summary>
    /// Parses and runs <paramref name="args"/>. A command line that does not parse, or an option out of range,
    /// ends here with exit code 2 before any work starts; Ctrl-C and SIGTERM are handled by <see cref="Interrupts"/>.
    /// </summary>
    public static async Task<int> InvokeAsync(string[] args)
    {
        ParseResult parse = Create().Parse(args);
        if (parse.Action is ParseErrorAction)
        {
            foreach (ParseError error in parse.Errors)
            {
                CommandRunner.WriteError(Reword(error.Message));
            }

            string command = parse.CommandResult.Command is RootCommand ? "recommender" : $"recommender {parse.CommandResult.Command.Name}";
            ConsoleOutput.Error.WriteLine($"See '{command} --help'.");
            return CommandRunner.InvalidInput;
        }

        using Interrupts interrupts = Interrupts.Install();
        return await parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null }, interrupts.Token).ConfigureAwait(false);
    }

    /// <summary>The parser's messages in the CLI's words: option names and kinds of values, not .NET type names.</summary>
    internal static string Reword(string message)
    {
        Match unparsable = UnparsableValue().Match(message);
        if (unparsable.Success)
        {
            string type = unparsable.Groups["type"].Value;
            string expected = type.Contains("Int", StringComparison.Ordinal) ? "a whole number"
                : type.Contains("Double", StringComparison.Ordinal) || type.Contains("Single", StringComparison.Ordinal) ? "a number"
                : "a value of another form";
            return $"{unparsable.Groups["option"].Value} expects {expected}, not '{unparsable.Groups["value"].Value}'.";
        }

        Match unrecognized = Unrecognized().Match(message);
        if (unrecognized.Success)
        {
            string token = unrecognized.Groups["token"].Value;
            return token.StartsWith('-') ? $"Unknown option '{token}'." : $"Unexpected argument '{token}'.";
        }

        return message.Replace("\r", string.Empty, StringComparison.Ordinal).Replace("\n\t", " ", StringComparison.Ordinal).Replace('\n', ' ');
    }

    [GeneratedRegex(@"^Cannot parse argument '(?<value>.*)' for option '(?<option>[^']+)' as expected type '(?<type>[^']+)'")]
    private static partial Regex UnparsableValue();

    [GeneratedRegex(@"^Unrecognized command or argument '(?<token>.*)'")]
    private static partial Regex Unrecognized();
}
