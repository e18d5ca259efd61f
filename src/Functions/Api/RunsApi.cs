using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;
using Recommender.Core.Models;
using Recommender.Core.Pipeline;
using Recommender.Core.Preprocessing;
using Recommender.Functions.Pipeline;

namespace Recommender.Functions.Api;

/// <summary>
/// <c>POST /api/runs</c> (start a run, optionally with training overrides),
/// <c>GET /api/runs</c> and <c>GET /api/runs/{runId}</c> (progress and outcome).
/// </summary>
public sealed class RunsApi(PipelineStarter starter, RunHistory history, IOptions<PreprocessingOptions> preprocessing)
{
    /// <summary>Largest request body accepted for overrides.</summary>
    public const int MaxBodyBytes = 16 * 1024;

    private static readonly JsonSerializerOptions OverridesJson = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    /// <summary>Starts a run: 202 with its status URL, or 409 with the id of the run that is going.</summary>
    [Function(nameof(StartRun))]
    public async Task<IActionResult> StartRun(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "runs")] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        (TrainingOverrides? overrides, IActionResult? problem) = await ReadOverridesAsync(request, cancellationToken).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        if (overrides?.Kind is { } kind && ModelKindNames.TryParse(kind, out ModelKind parsed)
            && ModelKindFeedback.CannotTrainOn(parsed, preprocessing.Value.Feedback == FeedbackKind.Explicit))
        {
            // Found here, not after preprocessing and four retries of a training that cannot start.
            return ApiValidation.Problem(
                StatusCodes.Status400BadRequest,
                "Invalid overrides",
                $"'kind' {kind} trains on explicit ratings, and this app reads its logs as implicit feedback (Recommender:Preprocessing:Feedback); choose another kind.");
        }

        StartResult result = await starter.StartAsync(client, "http", overrides, onlyIfInputChanged: false, cancellationToken).ConfigureAwait(false);
        if (result.Outcome == StartOutcome.AlreadyRunning)
        {
            return new ConflictObjectResult(new ProblemDetails
            {
                Status = StatusCodes.Status409Conflict,
                Title = "A run is in progress",
                Detail = $"Run '{result.RunId}' is in progress; one pipeline runs at a time.",
                Extensions = { ["runningRunId"] = result.RunId },
            });
        }

        // Relative to this request's own path: the host forwards each request to the worker's own local address, so the
        // scheme and host the worker sees are not the ones the caller used (and the route prefix comes along as it is).
        string statusUrl = $"{request.PathBase.Add(request.Path).ToUriComponent().TrimEnd('/')}/{Uri.EscapeDataString(result.RunId!)}";
        return new AcceptedResult(statusUrl, new { runId = result.RunId, statusUrl });
    }

    /// <summary>One run: live progress while it runs, its record once it ended; 404 when unknown.</summary>
    [Function(nameof(GetRun))]
    public async Task<IActionResult> GetRun(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "runs/{runId}")] HttpRequest request,
        string runId,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken)
    {
        if (ApiValidation.ValidateId(runId, "runId", 128) is { } bad)
        {
            return bad;
        }

        if (await GetCurrentAsync(client, cancellationToken).ConfigureAwait(false) is { } current && current.RunId == runId)
        {
            return new OkObjectResult(current);
        }

        RunRecord? record = await history.GetAsync(runId, cancellationToken).ConfigureAwait(false);
        return record is null
            ? ApiValidation.Problem(StatusCodes.Status404NotFound, "Unknown run", $"No run '{runId}' is known.")
            : new OkObjectResult(RunView.From(record));
    }

    /// <summary>The run in progress (if any) and the recorded runs, newest first.</summary>
    [Function(nameof(ListRuns))]
    public async Task<IActionResult> ListRuns(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "runs")] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken)
    {
        var runs = new List<RunView>();
        if (await GetCurrentAsync(client, cancellationToken).ConfigureAwait(false) is { } current)
        {
            runs.Add(current);
        }

        await foreach (RunRecord record in history.ListAsync(cancellationToken).ConfigureAwait(false))
        {
            if (runs.Count >= 100)
            {
                break;
            }

            if (runs.All(run => run.RunId != record.RunId))
            {
                runs.Add(RunView.From(record));
            }
        }

        return new OkObjectResult(runs);
    }

    private static async Task<RunView?> GetCurrentAsync(DurableTaskClient client, CancellationToken cancellationToken)
    {
        OrchestrationMetadata? instance = await client.GetInstanceAsync(PipelineStarter.InstanceId, getInputsAndOutputs: true, cancellationToken).ConfigureAwait(false);
        if (instance is null || !PipelineStarter.IsActive(instance.RuntimeStatus))
        {
            return null;
        }

        return new RunView(PipelineStarter.RunIdOf(instance), instance.RuntimeStatus.ToString().ToLowerInvariant(), instance.ReadCustomStatusAs<PipelineProgress>(), null);
    }

    private static async Task<(TrainingOverrides? Overrides, IActionResult? Problem)> ReadOverridesAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > MaxBodyBytes)
        {
            return (null, ApiValidation.Problem(StatusCodes.Status413PayloadTooLarge, "Body too large", $"Overrides must be at most {MaxBodyBytes} bytes."));
        }

        var buffer = new MemoryStream();
        var chunk = new byte[4096];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > MaxBodyBytes)
            {
                return (null, ApiValidation.Problem(StatusCodes.Status413PayloadTooLarge, "Body too large", $"Overrides must be at most {MaxBodyBytes} bytes."));
            }
        }

        if (buffer.Length == 0)
        {
            return (null, null);
        }

        TrainingOverrides? overrides;
        try
        {
            overrides = JsonSerializer.Deserialize<TrainingOverrides>(buffer.ToArray(), OverridesJson);
        }
        catch (JsonException ex)
        {
            return (null, ApiValidation.Problem(StatusCodes.Status400BadRequest, "Invalid overrides", $"The body is not valid overrides JSON: {ex.Message}"));
        }

        string? error = overrides switch
        {
            null => "The body must be a JSON object.",
            { Kind: { } kind } when !ModelKindNames.TryParse(kind, out _) => $"'kind' must be one of {string.Join(", ", ModelKindNames.ShortNames)}.",
            { Dimension: < 1 or > 1024 } => "'dimension' must be from 1 to 1024.",
            { Epochs: < 1 or > 1000 } => "'epochs' must be from 1 to 1000.",
            { LearningRate: { } rate } when !(rate > 0 && rate <= 10) => "'learningRate' must be greater than 0 and at most 10.",
            { Seed: < 0 } => "'seed' must not be negative.",
            _ => null,
        };
        return error is null ? (overrides, null) : (null, ApiValidation.Problem(StatusCodes.Status400BadRequest, "Invalid overrides", error));
    }
}

/// <summary>A run as the API shows it.</summary>
/// <param name="RunId">The run.</param>
/// <param name="Status">running, pending, published, rejected or failed.</param>
/// <param name="Progress">Stage, epochs, shards and metrics while it runs.</param>
/// <param name="Record">The record of a run that ended.</param>
public sealed record RunView(string RunId, string Status, PipelineProgress? Progress, RunRecord? Record)
{
    /// <summary>The view of a recorded run.</summary>
    public static RunView From(RunRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return new(record.RunId, record.Result, null, record);
    }
}
