using TorchSharp;

namespace Recommender.Core.Torch;

/// <summary>Process-wide TorchSharp settings that every training and scoring path shares.</summary>
public static class TorchRuntime
{
    /// <summary>The TorchSharp build this project ships with.</summary>
    public static string Version => typeof(torch).Assembly.GetName().Version?.ToString() ?? "unknown";
}
