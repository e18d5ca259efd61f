using System.Globalization;
using Recommender.Core.Datasets;
using Recommender.Core.Models;

namespace Recommender.Core.Training;

/// <summary>One model the automatic choice trains and compares on validation.</summary>
/// <param name="Name">Short name, part of the candidate's run id (<c>{runId}.{Name}</c>).</param>
/// <param name="Options">Its training options (a concrete kind).</param>
public sealed record ModelCandidate(string Name, TrainingOptions Options)
{
    /// <summary>The candidate's own training run next to <paramref name="runId"/>.</summary>
    public string RunIdFor(string runId) => $"{runId}.{Name}";

    /// <summary>The settings that tell candidates apart, as the leaderboard shows them.</summary>
    public string Settings => Options.Kind switch
    {
        ModelKind.Ease => string.Create(CultureInfo.InvariantCulture, $"λ={Options.Regularization:G4}·2^(epoch-1)"),
        ModelKind.Ials => string.Create(CultureInfo.InvariantCulture, $"d={Options.Dimension}, λ={Options.Regularization:G4}, α₀={Options.UnobservedWeight:G4}"),
        _ => string.Create(CultureInfo.InvariantCulture, $"d={Options.Dimension}, lr={Options.LearningRate:G4}, reg={Options.Regularization:G4}"),
    };
}

/// <summary>One row of the automatic choice's leaderboard.</summary>
/// <param name="Candidate">Candidate name.</param>
/// <param name="Kind">Model kind.</param>
/// <param name="Settings">Its distinguishing settings.</param>
/// <param name="Metric">The validation metric that decides, e.g. <c>ndcg@10</c>.</param>
/// <param name="Validation">Its best value on the validation part (null when skipped).</param>
/// <param name="Metrics">Every validation metric of its best epoch.</param>
/// <param name="BestEpoch">The epoch with that value.</param>
/// <param name="Epochs">Epochs trained.</param>
/// <param name="Seconds">Training and validation wall time.</param>
public sealed record LeaderboardEntry(
    string Candidate,
    ModelKind Kind,
    string Settings,
    string Metric,
    double? Validation,
    IReadOnlyDictionary<string, double>? Metrics,
    int BestEpoch,
    int Epochs,
    double Seconds)
{
    /// <summary>True for the candidate that was published.</summary>
    public bool Chosen { get; init; }

    /// <summary>Why the candidate was not trained (the search's time budget was spent), when it was not.</summary>
    public string? Skipped { get; init; }

    /// <summary>Why a candidate with the best validation value was not chosen: its lead was within the noise.</summary>
    public string? Note { get; init; }

    /// <summary>The blend's parts and weights, on the row of the blend of the candidates (<see cref="ModelKind.Blend"/>); null otherwise.</summary>
    public IReadOnlyList<BlendPart>? Parts { get; init; }
}

/// <summary>The candidates of the automatic choice (<see cref="ModelKind.Auto"/> on implicit feedback).</summary>
public static class ModelCandidates
{
    /// <summary>The name of the blend of the candidates, in the leaderboard and in its training's progress.</summary>
    public const string BlendName = "blend";

    /// <summary>
    /// EASE where the catalog fits (<see cref="TrainingOptions.EaseMaxItems"/>): closed form, seconds on
    /// small catalogs, and the strongest simple baseline there; iALS on every catalog (a sweep costs
    /// interactions × dimension, whatever the catalog); the softmax model while the catalog is at most
    /// <see cref="TrainingOptions.SelectionSoftmaxMaxItems"/>. Each with the options' other settings and its
    /// kind's defaults. BPR is left out: on every dataset measured it trailed softmax at a similar cost
    /// (<c>recommender-bench quality</c>).
    /// </summary>
    public static IReadOnlyList<ModelCandidate> For(TrainingOptions options, CuratedDataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        return For(options, data.UserCount, data.ItemCount);
    }

    /// <summary>The candidates for a dataset of <paramref name="userCount"/> users and <paramref name="itemCount"/> items (see the other overload).</summary>
    public static IReadOnlyList<ModelCandidate> For(TrainingOptions options, int userCount, int itemCount)
    {
        ArgumentNullException.ThrowIfNull(options);
        var candidates = new List<ModelCandidate>();
        if (EaseFits(options, userCount, itemCount))
        {
            candidates.Add(new ModelCandidate("ease", (options with { Kind = ModelKind.Ease, LearningRate = null, Regularization = null }).Resolve(isExplicit: false)));
        }

        candidates.Add(new ModelCandidate("ials", (options with { Kind = ModelKind.Ials, LearningRate = null, Regularization = null }).Resolve(isExplicit: false)));
        if (itemCount <= options.SelectionSoftmaxMaxItems)
        {
            candidates.Add(new ModelCandidate("softmax", (options with { Kind = ModelKind.Softmax }).Resolve(isExplicit: false)));
        }

        return candidates;
    }

    /// <summary>
    /// True when EASE's matrices fit the configured cap and memory (<see cref="TrainingOptions.EaseMaxMemoryMB"/>)
    /// and its interaction rows fit one array.
    /// </summary>
    public static bool EaseFits(TrainingOptions options, int userCount, int itemCount)
    {
        ArgumentNullException.ThrowIfNull(options);
        return itemCount <= options.EaseMaxItems
            && (long)userCount * itemCount <= Array.MaxLength
            && EaseMemory.FitsIn(options.EaseMaxMemoryMB, userCount, itemCount);
    }
}

/// <summary>The leaderboard as rows of text, for the report and the CLI.</summary>
public static class LeaderboardTable
{
    /// <summary>A header, then one row per candidate; empty when the run was given its kind.</summary>
    public static IReadOnlyList<string[]> Rows(IReadOnlyList<LeaderboardEntry>? leaderboard)
    {
        if (leaderboard is not { Count: > 0 })
        {
            return [];
        }

        var rows = new List<string[]> { new[] { "candidate", "kind", "settings", $"validation {leaderboard[0].Metric}", "best epoch", "epochs", "seconds", "" } };
        foreach (LeaderboardEntry entry in leaderboard)
        {
            rows.Add(
            [
                entry.Candidate,
                entry.Kind.ToString(),
                entry.Settings,
                entry.Validation is { } value ? value.ToString("F4", CultureInfo.InvariantCulture) : "-",
                entry.BestEpoch.ToString(CultureInfo.InvariantCulture),
                entry.Epochs.ToString(CultureInfo.InvariantCulture),
                entry.Seconds.ToString("F1", CultureInfo.InvariantCulture),
                entry.Chosen ? "chosen" : entry.Skipped ?? entry.Note ?? string.Empty,
            ]);
        }

        return rows;
    }
}
