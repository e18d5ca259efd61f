using System.Text.Json;
using System.Text.Json.Serialization;

namespace Recommender.Functions.Hosting;

/// <summary>
/// How the worker serializes its bindings' payloads, chiefly what crosses the Durable Task boundary (activity and
/// orchestration inputs and outputs, custom status), which the Durable extension converts with the worker's serializer:
/// the worker's defaults (property names matched case-insensitively), plus NaN and ±Infinity written as strings. The
/// HTTP API's answers are written by ASP.NET Core, with non-finite numbers as null (<c>NonFiniteAsNullConverter</c>).
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
