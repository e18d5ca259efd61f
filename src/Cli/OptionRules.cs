using System.CommandLine;
using System.CommandLine.Parsing;

namespace Recommender.Cli;

/// <summary>
/// Rules every command's options share, checked while the command line is parsed. Ranges and choices
/// are checked by each option itself (<see cref="CheckedOption"/>); this adds what no single value can
/// tell: a mistyped option after a many-valued one is an unknown option, not one more value.
/// </summary>
internal static class OptionRules
{
    /// <summary>Attaches the rules to every option of <paramref name="command"/> and its subcommands.</summary>
    public static void Apply(Command command)
    {
        foreach (Option option in command.Options)
        {
            if (option.AllowMultipleArgumentsPerToken)
            {
                option.Validators.Add(RejectOptionLikeValues);
            }
        }

        foreach (Command subcommand in command.Subcommands)
        {
            Apply(subcommand);
        }
    }

    /// <summary>
    /// An option that takes several values per token (<c>--input a b</c>) would otherwise swallow a mistyped
    /// option that follows it as one more value: <c>--input a.parquet --bogus</c> is an unknown option, not a path.
    /// </summary>
    private static void RejectOptionLikeValues(OptionResult result)
    {
        foreach (Token token in result.Tokens)
        {
            if (token.Value.Length > 1 && token.Value[0] == '-' && !File.Exists(token.Value) && !Directory.Exists(token.Value))
            {
                result.AddError($"Unknown option '{token.Value}' (after {result.Option.Name}; a path that starts with '-' is written ./{token.Value}).");
            }
        }
    }
}
