using System.Text.Json;
using System.Text.Json.Serialization;

namespace Recommender.Functions.Hosting;

/// <summary>
/// How the worker writes what crosses the Durable Task boundary (activity and orchestration inputs and outputs, custom
/// status): the worker's defaults (property names matched case-insensitively), plus NaN and ±Infinity written as strings.
/// A metric with nothing to measure is NaN (an RMSE without rating pairs, an NDCG without validation users); the defaults
/// throw on it while writing the activity's output, so the activity fails and is retried for nothing, where the quality
/// gate is written to reject such a model with a reason.
/// </summary>
public static class DurablePayloadJson
{
    /// <summary>The serializer options the app gives the worker (<c>WorkerOptions.Serializer</c>).</summary>
    public static JsonSerializerOptions Options { get; } = new()
    {
        PropertyNameCaseInsensitive = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };
}
