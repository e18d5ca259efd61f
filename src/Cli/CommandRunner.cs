using System.CommandLine;
using System.CommandLine.Parsing;
using System.ComponentModel.DataAnnotations;
using Recommender.Core.Ingestion;
using Recommender.Core.Pipeline;
using Recommender.Core.Preprocessing;
using Recommender.Core.Training;
using Spectre.Console;

namespace Recommender.Cli;

/// <summary>Runs a command body and turns failures into a message on stderr and a non-zero exit code.</summary>
internal static class CommandRunner
{
    /// <summary>Exit code for input the command cannot use (bad files, options, unknown ids).</summary>
    public const int InvalidInput = 2;

    /// <summary>Exit code for any other failure.</summary>
    public const int Failed = 1;

    /// <summary>Exit code when another run holds the store (sysexits' EX_TEMPFAIL: try again later, or with --wait).</summary>
    public const int StoreBusy = 75;

    /// <summary>Exit code after Ctrl-C or SIGTERM (128 + SIGINT, as shells report it).</summary>
    public const int Interrupted = 130;

    /// <summary>Set to 1 to see the stack trace of an unexpected failure.</summary>
    public const string DebugVariable = "RECOMMENDER_DEBUG";

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
        catch (StoreBusyException ex)
        {
            WriteError(ex.Message);
            return StoreBusy;
        }
        catch (CommandInterruptedException ex)
        {
            ConsoleOutput.Error.MarkupLine($"[yellow]interrupted:[/] {Markup.Escape(ex.Message)}");
            return Interrupted;
        }
        catch (PipelineFailedException ex)
        {
            // The message names the run and the stage, then the cause: no stack trace for the user.
            WriteError(ex.Message);
            return ex.InnerException is { } cause && IsInvalidInput(cause) ? InvalidInput : Failed;
        }
        catch (OperationCanceledException) when (Interrupts.Current?.Requested == true)
        {
            ConsoleOutput.Error.MarkupLine("[yellow]interrupted[/]");
            return Interrupted;
        }
        catch (OperationCanceledException)
        {
            WriteError("cancelled");
            return Failed;
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            WriteError(ex.Message);
            return Failed;
        }
        catch (Exception ex) when (!IsFatal(ex))
        {
            // Not one of the failures the commands expect: still one line for the user, the trace on request.
            WriteError($"{ex.Message} ({ex.GetType().Name}; set {DebugVariable}=1 to see where)");
            if (Environment.GetEnvironmentVariable(DebugVariable) == "1")
            {
                ConsoleOutput.Error.WriteLine(ex.ToString());
            }

            return Failed;
        }
    }

    private static bool IsInvalidInput(Exception ex) =>
        ex is InvalidInteractionLogException or NoUsableInteractionsException or ValidationException or TrainingRunConflictException
            or ArgumentException or FileNotFoundException or DirectoryNotFoundException or InvalidDataException or KeyNotFoundException;

    private static bool IsFatal(Exception ex) => ex is OutOfMemoryException or StackOverflowException or AccessViolationException;

    public static void WriteError(string message) =>
        ConsoleOutput.Error.MarkupLine($"[red]error:[/] {Markup.Escape(CliWording.ForOptions(message))}");
}

/// <summary>Another process holds the store's single-writer lock.</summary>
internal sealed class StoreBusyException(string message) : Exception(message);

/// <summary>A command stopped on Ctrl-C or SIGTERM after saving what it could; the message says what and how to go on.</summary>
internal sealed class CommandInterruptedException(string message) : Exception(message);
