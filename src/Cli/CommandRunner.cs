using System.CommandLine;
using System.CommandLine.Parsing;
using System.ComponentModel.DataAnnotations;
using Recommender.Core.Ingestion;
using Recommender.Core.Pipeline;
using Recommender.Core.Preprocessing;
using Spectre.Console;

namespace Recommender.Cli;

/// <summary>Runs a command body and turns failures into a message on stderr and a non-zero exit code.</summary>
internal static class CommandRunner
{
    /// <summary>Exit code for input the command cannot use (bad files, options, unknown ids).</summary>
    public const int InvalidInput = 2;

    /// <summary>Exit code for any other failure.</summary>
    public const int Failed = 1;

    /// <summary>
    /// Parses <paramref name="args"/> and runs the chosen command. A command line that does not parse
    /// (an unknown option, a value out of range) prints each error and exits with <see cref="InvalidInput"/>
    /// before any work starts.
    /// </summary>
    public static async Task<int> InvokeAsync(RootCommand root, string[] args)
    {
        ParseResult parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (ParseError error in parse.Errors)
            {
                WriteError(error.Message);
            }

            ConsoleOutput.Error.MarkupLine("[grey]See 'recommender --help'.[/]");
            return InvalidInput;
        }

        return await parse.InvokeAsync().ConfigureAwait(false);
    }

    public static async Task<int> RunAsync(Func<Task> body)
    {
        try
        {
            await body().ConfigureAwait(false);
            return 0;
        }
        catch (Exception ex) when (IsInvalidInput(ex))
        {
            WriteError(ex is ArgumentException { ParamName: { } parameter } argument
                ? argument.Message.Replace($" (Parameter '{parameter}')", string.Empty, StringComparison.Ordinal)
                : ex.Message);
            return InvalidInput;
        }
        catch (PipelineFailedException ex)
        {
            // The message names the run and the stage, then the cause: no stack trace for the user.
            WriteError(ex.Message);
            return ex.InnerException is { } cause && IsInvalidInput(cause) ? InvalidInput : Failed;
        }
        catch (OperationCanceledException)
        {
            WriteError("cancelled");
            return Failed;
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException)
        {
            WriteError(ex.Message);
            return Failed;
        }
    }

    private static bool IsInvalidInput(Exception ex) =>
        ex is InvalidInteractionLogException or NoUsableInteractionsException or ValidationException
            or ArgumentException or FileNotFoundException or DirectoryNotFoundException or InvalidDataException;

    public static void WriteError(string message) =>
        ConsoleOutput.Error.MarkupLine($"[red]error:[/] {Markup.Escape(message)}");
}
