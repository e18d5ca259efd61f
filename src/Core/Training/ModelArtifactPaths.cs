using System.Globalization;

namespace Recommender.Core.Training;

/// <summary>Where a run's artifacts live in the artifact store.</summary>
public static class ModelArtifactPaths
{
    /// <summary>Folder of a run: <c>models/{runId}/</c>.</summary>
    public static string Run(string runId) => $"models/{runId}/";

    /// <summary>The run's description: <c>models/{runId}/model.json</c>.</summary>
    public static string Manifest(string runId) => $"models/{runId}/model.json";

    /// <summary>The automatic model choice's leaderboard of a run, when its kind was chosen.</summary>
    public static string Leaderboard(string runId) => $"models/{runId}/leaderboard.json";

    /// <summary>External ids of the run's users and items: <c>models/{runId}/vocabulary.json</c>.</summary>
    public static string Vocabulary(string runId) => $"models/{runId}/vocabulary.json";

    /// <summary>Folder of the run's checkpoints: <c>models/{runId}/checkpoints/</c>.</summary>
    public static string Checkpoints(string runId) => $"models/{runId}/checkpoints/";

    /// <summary>Tensor state after an epoch: <c>models/{runId}/checkpoints/epoch-NNNN.ckpt</c>.</summary>
    public static string Checkpoint(string runId, int epoch) => $"{Checkpoints(runId)}epoch-{epoch.ToString("D4", CultureInfo.InvariantCulture)}.ckpt";

    /// <summary>
    /// The checkpoint's completion record (size, hash, trainer state), written after the tensor state:
    /// <c>models/{runId}/checkpoints/epoch-NNNN.json</c>. A checkpoint without one is incomplete.
    /// </summary>
    public static string CheckpointRecord(string runId, int epoch) => $"{Checkpoints(runId)}epoch-{epoch.ToString("D4", CultureInfo.InvariantCulture)}.json";

    /// <summary>The epoch of a checkpoint record path, or null when the path is not one.</summary>
    internal static int? EpochOfCheckpointRecord(string runId, string path)
    {
        string prefix = $"{Checkpoints(runId)}epoch-";
        const string suffix = ".json";
        if (!path.StartsWith(prefix, StringComparison.Ordinal) || !path.EndsWith(suffix, StringComparison.Ordinal))
        {
            return null;
        }

        ReadOnlySpan<char> digits = path.AsSpan(prefix.Length, path.Length - prefix.Length - suffix.Length);
        return digits.Length is >= 4 and <= 9 && int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out int epoch) && epoch > 0
            ? epoch
            : null;
    }
}
