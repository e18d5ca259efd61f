using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Azure.Core;

namespace Recommender.Core.TrainingHosts;

/// <summary>Where a training job execution stands.</summary>
public enum TrainingJobState
{
    /// <summary>Queued, starting or running.</summary>
    Running = 0,

    /// <summary>Ended successfully.</summary>
    Succeeded = 1,

    /// <summary>Failed, stopped or degraded.</summary>
    Failed = 2,
}

/// <summary>
/// Starts executions of the training job and reads their state. Each execution carries a key chosen by
/// the caller (one per run and attempt), so a start whose answer was lost (a timeout after the job
/// accepted it) can be found instead of started twice: two executions of one run would train into the
/// same checkpoints.
/// </summary>
public interface IContainerJobClient
{
    /// <summary>
    /// Starts an execution tagged with <paramref name="key"/> whose training container runs with
    /// <paramref name="arguments"/>; returns the execution's name.
    /// </summary>
    Task<string> StartExecutionAsync(string key, IReadOnlyList<string> arguments, CancellationToken cancellationToken = default);

    /// <summary>
    /// The name of a running (or queued) execution tagged with <paramref name="key"/>, or null. An execution
    /// that already ended is not returned: starting another one then only resumes from its checkpoints.
    /// </summary>
    Task<string?> FindExecutionAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>The state of execution <paramref name="executionName"/>.</summary>
    Task<TrainingJobState> GetExecutionStateAsync(string executionName, CancellationToken cancellationToken = default);
}

/// <summary>
/// <see cref="IContainerJobClient"/> over the Azure Resource Manager REST API of
/// <c>Microsoft.App/jobs</c>, authenticated with an Entra ID token (the Function App's managed
/// identity in Azure). Starting an execution copies the job's training container and replaces
/// its arguments, so the image, command, environment and resources stay the job's own.
/// </summary>
public sealed class ArmContainerJobClient : IContainerJobClient
{
    /// <summary>API version of the requests.</summary>
    public const string ApiVersion = "2024-03-01";

    /// <summary>The environment variable of the training container that carries an execution's key.</summary>
    public const string ExecutionKeyVariable = "RECOMMENDER_EXECUTION_KEY";

    private static readonly string[] ContainerFields = ["name", "image", "command", "env", "resources"];
    private readonly HttpClient _http;
    private readonly TokenCredential _credential;
    private readonly ContainerJobTrainingHostOptions _options;
    private readonly string _jobResourceId;

    /// <summary>Creates the client.</summary>
    public ArmContainerJobClient(HttpClient http, TokenCredential credential, ContainerJobTrainingHostOptions options)
    {
        _http = http ?? throw new ArgumentNullException(nameof(http));
        _credential = credential ?? throw new ArgumentNullException(nameof(credential));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        if (!ContainerJobTrainingHostOptions.IsJobResourceId(options.JobResourceId))
        {
            throw new ArgumentException($"'{options.JobResourceId}' is not a Container Apps job resource id.", nameof(options));
        }

        _jobResourceId = "/" + options.JobResourceId!.Trim('/');
    }

    /// <inheritdoc />
    public async Task<string> StartExecutionAsync(string key, IReadOnlyList<string> arguments, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        ArgumentNullException.ThrowIfNull(arguments);
        JsonNode job = await SendAsync(HttpMethod.Get, _jobResourceId, body: null, cancellationToken).ConfigureAwait(false);
        JsonObject container = TrainingContainerOf(job);
        var execution = new JsonObject();
        foreach (string field in ContainerFields)
        {
            if (container[field] is { } value)
            {
                execution[field] = value.DeepClone();
            }
        }

        execution["args"] = new JsonArray(arguments.Select(a => (JsonNode?)JsonValue.Create(a)).ToArray());
        JsonNode?[] environment = (execution["env"]?.AsArray() ?? [])
            .Where(variable => !string.Equals(variable?["name"]?.GetValue<string>(), ExecutionKeyVariable, StringComparison.Ordinal))
            .Select(variable => variable?.DeepClone())
            .ToArray();
        execution["env"] = new JsonArray([.. environment, new JsonObject { ["name"] = ExecutionKeyVariable, ["value"] = key }]);
        var body = new JsonObject { ["containers"] = new JsonArray(execution) };
        JsonNode started = await SendAsync(HttpMethod.Post, $"{_jobResourceId}/start", body, cancellationToken).ConfigureAwait(false);
        string? name = started["name"]?.GetValue<string>() ?? started["id"]?.GetValue<string>()?.Split('/')[^1];
        return string.IsNullOrEmpty(name)
            ? throw new TrainingJobRequestException($"Starting job '{_jobResourceId}' answered without an execution name: {started.ToJsonString()}", 200)
            : name;
    }

    /// <inheritdoc />
    public async Task<string?> FindExecutionAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        string? page = $"{_jobResourceId}/executions";
        while (page is not null)
        {
            JsonNode executions = await SendAsync(HttpMethod.Get, page, body: null, cancellationToken).ConfigureAwait(false);
            foreach (JsonNode? execution in executions["value"]?.AsArray() ?? [])
            {
                if (execution?["name"]?.GetValue<string>() is { } name
                    && StateOf(execution) is TrainingJobState.Running
                    && KeyOf(execution) == key)
                {
                    return name;
                }
            }

            page = executions["nextLink"]?.GetValue<string>();
        }

        return null;
    }

    /// <inheritdoc />
    public async Task<TrainingJobState> GetExecutionStateAsync(string executionName, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(executionName);
        JsonNode execution = await SendAsync(HttpMethod.Get, $"{_jobResourceId}/executions/{Uri.EscapeDataString(executionName)}", body: null, cancellationToken).ConfigureAwait(false);
        return StateOf(execution);
    }

    private static TrainingJobState StateOf(JsonNode execution) => execution["properties"]?["status"]?.GetValue<string>() switch
    {
        "Succeeded" => TrainingJobState.Succeeded,
        "Failed" or "Stopped" or "Degraded" => TrainingJobState.Failed,
        _ => TrainingJobState.Running,
    };

    private static string? KeyOf(JsonNode execution) =>
        (execution["properties"]?["template"]?["containers"]?.AsArray() ?? [])
            .SelectMany(container => container?["env"]?.AsArray() ?? [])
            .Where(variable => string.Equals(variable?["name"]?.GetValue<string>(), ExecutionKeyVariable, StringComparison.Ordinal))
            .Select(variable => variable?["value"]?.GetValue<string>())
            .FirstOrDefault();

    private JsonObject TrainingContainerOf(JsonNode job)
    {
        JsonArray containers = job["properties"]?["template"]?["containers"]?.AsArray()
            ?? throw new TrainingJobRequestException($"Job '{_jobResourceId}' has no containers.", 200);
        return containers.OfType<JsonObject>().FirstOrDefault(c => string.Equals(c["name"]?.GetValue<string>(), _options.ContainerName, StringComparison.Ordinal))
            ?? throw new TrainingJobRequestException($"Job '{_jobResourceId}' has no container named '{_options.ContainerName}'.", 200);
    }

    private async Task<JsonNode> SendAsync(HttpMethod method, string path, JsonNode? body, CancellationToken cancellationToken)
    {
        // A next page's link is absolute and carries its own query; the token goes to the management endpoint only.
        Uri uri = path.StartsWith('/') ? new Uri(_options.ManagementEndpoint, $"{path}?api-version={ApiVersion}") : new Uri(path, UriKind.Absolute);
        if (!string.Equals(uri.Authority, _options.ManagementEndpoint.Authority, StringComparison.OrdinalIgnoreCase) || uri.Scheme != _options.ManagementEndpoint.Scheme)
        {
            throw new TrainingJobRequestException($"A page link points outside {_options.ManagementEndpoint}: {uri}", 200);
        }

        AccessToken token = await _credential.GetTokenAsync(
            new TokenRequestContext([new Uri(_options.ManagementEndpoint, ".default").ToString()]), cancellationToken).ConfigureAwait(false);
        using var request = new HttpRequestMessage(method, uri);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token.Token);
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }

        using HttpResponseMessage response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        string text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new TrainingJobRequestException(
                $"{method} {path} answered {(int)response.StatusCode} {response.ReasonPhrase}: {TrainingCommandLine.Tail(text, 1_000)}", (int)response.StatusCode);
        }

        return string.IsNullOrWhiteSpace(text) ? new JsonObject() : JsonNode.Parse(text) ?? new JsonObject();
    }
}
