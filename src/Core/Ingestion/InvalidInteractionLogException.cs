namespace Recommender.Core.Ingestion;

/// <summary>
/// An interaction log that cannot be used as it is: not Parquet, truncated, empty, or lacking a
/// usable column. The message names the file and, where one is at fault, the field. The file
/// itself is left untouched; the run reports it and goes on with the other files.
/// </summary>
public sealed class InvalidInteractionLogException : Exception
{
    /// <summary>Creates the exception.</summary>
    public InvalidInteractionLogException(string source, string? field, string reason, Exception? inner = null)
        : base(field is null ? $"{source}: {reason}" : $"{source}: column '{field}': {reason}", inner)
    {
        Source = source;
        Field = field;
        Reason = reason;
    }

    /// <summary>The file or blob that was rejected.</summary>
    public new string Source { get; }

    /// <summary>The column at fault, when one is.</summary>
    public string? Field { get; }

    /// <summary>Why the file was rejected, without the file name.</summary>
    public string Reason { get; }
}
