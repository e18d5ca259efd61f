using System.ComponentModel.DataAnnotations;

namespace Recommender.Core.Storage;

/// <summary>
/// Where the pipeline's Azure Storage lives. One shape for both worlds: a connection string
/// for Azurite (or a developer account), or an account name / service URIs with a managed
/// identity in Azure, where no key or connection string is ever configured.
/// </summary>
public sealed class StorageOptions : IValidatableObject
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Recommender:Storage";

    /// <summary>Connection string (Azurite: <c>UseDevelopmentStorage=true</c>); leave empty in Azure.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Storage account name, used with a token credential when no connection string is set.</summary>
    public string? AccountName { get; set; }

    /// <summary>Client id of a user-assigned managed identity; empty for the default credential chain.</summary>
    public string? ManagedIdentityClientId { get; set; }

    /// <summary>Container that receives raw interaction logs (never modified by the pipeline).</summary>
    [Required, RegularExpression("^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$")]
    public string InteractionsContainer { get; set; } = "interactions";

    /// <summary>Container for datasets, checkpoints, model metadata and reports.</summary>
    [Required, RegularExpression("^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$")]
    public string ArtifactsContainer { get; set; } = "artifacts";

    /// <summary>Table that holds the recommendation lists.</summary>
    [Required, RegularExpression("^[A-Za-z][A-Za-z0-9]{2,62}$")]
    public string LookupTable { get; set; } = "recommendations";

    /// <summary>Retries of one storage call before it fails (exponential backoff).</summary>
    [Range(0, 10)]
    public int MaxRetries { get; set; } = 5;

    /// <summary>First retry delay; it doubles on each retry.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")]
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Timeout of one storage request attempt.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan NetworkTimeout { get; set; } = TimeSpan.FromSeconds(100);

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (string.IsNullOrWhiteSpace(ConnectionString) && string.IsNullOrWhiteSpace(AccountName))
        {
            yield return new ValidationResult(
                $"Set {SectionName}:ConnectionString (Azurite) or {SectionName}:AccountName (managed identity).",
                [nameof(ConnectionString), nameof(AccountName)]);
        }
    }
}
