using System.Text.Json;
using System.Text.Json.Serialization;
using Spectre.Console;

namespace Recommender.Cli;

/// <summary>The consoles the CLI writes to: results on stdout, progress and errors on stderr.</summary>
internal static class ConsoleOutput
{
    /// <summary>
    /// Width of a console that is not a terminal (a pipe, a file, a test): nothing is wrapped, so a line a program
    /// reads or greps stays one line. A terminal keeps its own width.
    /// </summary>
    private const int UnwrappedWidth = 4096;

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter() },
    };

    public static IAnsiConsole Out { get; } = Create(Console.Out, Console.IsOutputRedirected);

    public static IAnsiConsole Error { get; } = Create(Console.Error, Console.IsErrorRedirected);

    /// <summary>True when a person watches stderr, so live progress is worth drawing.</summary>
    public static bool Interactive => !Console.IsErrorRedirected;

    /// <summary>Writes <paramref name="value"/> as one JSON object on one line of stdout (the <c>--json</c> output).</summary>
    public static void Json(object value) => Console.Out.WriteLine(JsonSerializer.Serialize(value, JsonOptions));

    private static IAnsiConsole Create(TextWriter writer, bool redirected)
    {
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(writer) });
        if (redirected)
        {
            console.Profile.Width = UnwrappedWidth;
        }

        return console;
    }
}
