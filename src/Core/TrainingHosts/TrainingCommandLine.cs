using System.Globalization;
using System.Text;
using System.Text.Json;
using Recommender.Core.Pipeline;
using Recommender.Core.Training;

namespace Recommender.Core.TrainingHosts;

/// <summary>
/// The <c>recommender train</c> command line of one training call and the JSON line it prints:
/// what the child-process host and the container job run.
/// </summary>
public static class TrainingCommandLine
{
    /// <summary>
    /// Arguments (without the executable) that train <paramref name="input"/>'s run with
    /// <paramref name="options"/> (the run's overrides already applied). The device is left to
    /// the host's environment (<c>Recommender__Training__Device</c>).
    /// </summary>
    public static IReadOnlyList<string> Arguments(TrainStageInput input, TrainingOptions options, string? warmStartRunId)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(options);
        var args = new List<string>
        {
            "train",
            "--dataset", input.DatasetVersion,
            "--run-id", input.RunId,
            "--max-epochs-this-call", Invariant(input.MaxEpochsThisCall),
            "--eval-k", Invariant(input.EvaluationK),
            "--model", options.Kind.ToString(),
            "--dimension", Invariant(options.Dimension),
            "--training-seed", Invariant(options.Seed),
        };
        if (options.Epochs is { } epochs)
        {
            args.AddRange(["--epochs", Invariant(epochs)]);
        }

        if (options.BatchSize is { } batchSize)
        {
            args.AddRange(["--batch-size", Invariant(batchSize)]);
        }

        if (options.LearningRate is { } learningRate)
        {
            args.AddRange(["--learning-rate", learningRate.ToString("R", CultureInfo.InvariantCulture)]);
        }

        if (options.Regularization is { } regularization)
        {
            args.AddRange(["--regularization", regularization.ToString("R", CultureInfo.InvariantCulture)]);
        }

        if (warmStartRunId is not null)
        {
            args.AddRange(["--warm-start", warmStartRunId]);
        }

        if (input.RefitOf is { } source)
        {
            args.AddRange(["--refit-of", source]);
        }

        if (input.Candidate is { } candidate)
        {
            args.AddRange(["--candidate", candidate]);
        }

        return args;
    }

    /// <summary>The result line <c>recommender train</c> prints last: the stage output as one JSON object (<see cref="ParseOutput"/> reads it).</summary>
    public static string FormatOutput(TrainStageOutput output)
    {
        ArgumentNullException.ThrowIfNull(output);
        return JsonSerializer.Serialize(new
        {
            runId = output.RunId,
            status = output.Finished ? nameof(TrainingStatus.Completed) : nameof(TrainingStatus.Running),
            epochs = output.EpochsDone,
            maxEpochs = output.MaxEpochs,
            bestEpoch = output.BestEpoch,
            metric = output.Metric,
            best = output.BestValue,
            device = output.Device,
            resumedFromEpoch = output.ResumedFromEpoch,
            leaderboard = output.Leaderboard,
        });
    }

    /// <summary>
    /// The stage output from the child's standard output: its last line that is a JSON object
    /// (<paramref name="maxEpochs"/> stands in when the line does not say how many epochs were planned).
    /// </summary>
    /// <exception cref="TrainingHostException">No such line, or one without the run's fields.</exception>
    public static TrainStageOutput ParseOutput(string runId, string standardOutput, int maxEpochs, double seconds)
    {
        ArgumentNullException.ThrowIfNull(standardOutput);
        string? line = standardOutput
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .LastOrDefault(l => l.StartsWith('{'));
        if (line is null)
        {
            throw new TrainingHostException(runId, $"Training of run '{runId}' printed no result line; standard output was: {Tail(standardOutput, 500)}");
        }

        try
        {
            using JsonDocument document = JsonDocument.Parse(line);
            JsonElement root = document.RootElement;
            string status = root.GetProperty("status").GetString() ?? nameof(TrainingStatus.Running);
            return new TrainStageOutput(
                root.GetProperty("runId").GetString() ?? runId,
                root.GetProperty("epochs").GetInt32(),
                root.TryGetProperty("maxEpochs", out JsonElement planned) && planned.ValueKind == JsonValueKind.Number ? planned.GetInt32() : maxEpochs,
                !string.Equals(status, nameof(TrainingStatus.Running), StringComparison.OrdinalIgnoreCase),
                root.GetProperty("bestEpoch").GetInt32(),
                root.TryGetProperty("metric", out JsonElement metric) && metric.ValueKind == JsonValueKind.String ? metric.GetString()! : string.Empty,
                root.TryGetProperty("best", out JsonElement best) && best.ValueKind == JsonValueKind.Number ? best.GetDouble() : null,
                root.TryGetProperty("device", out JsonElement device) && device.ValueKind == JsonValueKind.String ? device.GetString()! : string.Empty,
                seconds)
            {
                ResumedFromEpoch = root.TryGetProperty("resumedFromEpoch", out JsonElement resumed) && resumed.ValueKind == JsonValueKind.Number ? resumed.GetInt32() : 0,
                Leaderboard = root.TryGetProperty("leaderboard", out JsonElement board) && board.ValueKind == JsonValueKind.Array
                    ? board.Deserialize<List<LeaderboardEntry>>()
                    : null,
            };
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new TrainingHostException(runId, $"Training of run '{runId}' printed an unreadable result line '{Tail(line, 500)}': {ex.Message}", ex);
        }
    }

    /// <summary>Splits a configured command into its words; double quotes group words with spaces.</summary>
    public static IReadOnlyList<string> SplitCommand(string command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var words = new List<string>();
        var word = new StringBuilder();
        bool quoted = false;
        bool any = false;
        foreach (char c in command)
        {
            if (c == '"')
            {
                quoted = !quoted;
                any = true;
            }
            else if (char.IsWhiteSpace(c) && !quoted)
            {
                if (any)
                {
                    words.Add(word.ToString());
                    word.Clear();
                    any = false;
                }
            }
            else
            {
                word.Append(c);
                any = true;
            }
        }

        if (quoted)
        {
            throw new FormatException($"Training command '{command}' has an unclosed double quote.");
        }

        if (any)
        {
            words.Add(word.ToString());
        }

        return words;
    }

    /// <summary>The last <paramref name="length"/> characters of <paramref name="text"/>.</summary>
    internal static string Tail(string text, int length) =>
        text.Length <= length ? text.Trim() : "…" + text[^length..].Trim();

    private static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);
}
