namespace Recommender.Core.Training;

/// <summary>
/// <c>models/{runId}/vocabulary.json</c>: the external id of each user and item row of the run's
/// tables, so scoring can name items and a later run can warm-start from shared ids.
/// </summary>
/// <param name="UserIds">External user id per user row.</param>
/// <param name="ItemIds">External item id per item row.</param>
internal sealed record ModelVocabulary(IReadOnlyList<string> UserIds, IReadOnlyList<string> ItemIds)
{
    /// <summary>Largest vocabulary file read back.</summary>
    public const long MaxBytes = 2L << 30;
}
