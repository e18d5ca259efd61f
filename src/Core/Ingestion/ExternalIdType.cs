namespace Recommender.Core.Ingestion;

/// <summary>
/// The type external ids have in the input logs, kept so outputs can give them back as they came:
/// ids are text inside the pipeline (vocabularies, lookup table), but a log with integer ids should get
/// integer ids back from <c>export</c>.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1720:Identifiers should not contain type names", Justification = "The members are the types the ids are written back as.")]
public enum ExternalIdType
{
    /// <summary>Text (or a type with no faithful integer form: UUIDs, unsigned 64-bit integers), and the type when logs disagree.</summary>
    String = 0,

    /// <summary>32-bit integers (or narrower).</summary>
    Int32 = 1,

    /// <summary>64-bit integers (or unsigned 32-bit ones).</summary>
    Int64 = 2,
}

/// <summary>How id types of several batches or logs combine.</summary>
public static class ExternalIdTypes
{
    /// <summary>
    /// The type that holds ids of both types: the wider integer type when both are integers, else text.
    /// Null stands for "no ids seen yet".
    /// </summary>
    public static ExternalIdType? Combine(ExternalIdType? first, ExternalIdType? second) => (first, second) switch
    {
        (null, _) => second,
        (_, null) => first,
        (ExternalIdType.String, _) or (_, ExternalIdType.String) => ExternalIdType.String,
        (ExternalIdType.Int64, _) or (_, ExternalIdType.Int64) => ExternalIdType.Int64,
        _ => ExternalIdType.Int32,
    };
}
