using Spectre.Console;

namespace Recommender.Cli;

/// <summary>The consoles the CLI writes to: results on stdout, progress and errors on stderr.</summary>
internal static class ConsoleOutput
{
    public static IAnsiConsole Out { get; } = AnsiConsole.Console;

    public static IAnsiConsole Error { get; } = AnsiConsole.Create(new AnsiConsoleSettings
    {
        Out = new AnsiConsoleOutput(Console.Error),
    });

    /// <summary>True when a person watches stderr, so live progress is worth drawing.</summary>
    public static bool Interactive => !Console.IsErrorRedirected;
}
