using System.Globalization;

namespace Recommender.Core.Pipeline;

/// <summary>Where each artifact of a run lives in the artifact store; one place so every step agrees.</summary>
public static class PipelinePaths
{
    /// <summary>Folder of a curated dataset.</summary>
    public static string Dataset(string version) => $"datasets/{version}/";

    /// <summary>Folder of a model run.</summary>
    public static string Model(string runId) => $"models/{runId}/";

    /// <summary>The evaluation report of a run.</summary>
    public static string Evaluation(string runId) => $"models/{runId}/evaluation.json";

    /// <summary>The record of the last run its input settled (published, unchanged or rejected), with the input fingerprint it saw.</summary>
    public const string LastSettled = "pipeline/last-settled.json";

    /// <summary>A new run id: sortable by time, unique enough for one pipeline.</summary>
    public static string NewRunId(DateTimeOffset now, string suffix) =>
        string.Create(CultureInfo.InvariantCulture, $"{now.UtcDateTime:yyyyMMdd-HHmmss}-{suffix}");
}
