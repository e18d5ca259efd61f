using System.ComponentModel.DataAnnotations;

namespace Recommender.Core.TrainingHosts;

/// <summary>Where the pipeline's training step runs.</summary>
public enum TrainingHostKind
{
    /// <summary>In the process that runs the pipeline (the Functions activity or the CLI).</summary>
    Inline = 0,

    /// <summary>A child process running <c>recommender train</c> on the same artifact store.</summary>
    Process = 1,

    /// <summary>An execution of an Azure Container Apps job (a GPU machine) running <c>recommender train</c>.</summary>
    ContainerJob = 2,
}

/// <summary>Where and how training runs; bound from <c>Recommender:TrainingHost</c>.</summary>
public sealed class TrainingHostOptions : IValidatableObject
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Recommender:TrainingHost";

    /// <summary>Inline, Process or ContainerJob.</summary>
    public TrainingHostKind Kind { get; set; } = TrainingHostKind.Inline;

    /// <summary>Settings of the child-process host.</summary>
    public ProcessTrainingHostOptions Process { get; set; } = new();

    /// <summary>Settings of the Container Apps job host.</summary>
    public ContainerJobTrainingHostOptions ContainerJob { get; set; } = new();

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Enum.IsDefined(Kind))
        {
            yield return new ValidationResult($"TrainingHost:Kind '{Kind}' is not one of Inline, Process, ContainerJob.", [nameof(Kind)]);
        }

        if (Process.Timeout <= TimeSpan.Zero)
        {
            yield return new ValidationResult("TrainingHost:Process:Timeout must be positive.", [nameof(Process)]);
        }

        if (Kind is TrainingHostKind.ContainerJob)
        {
            if (!ContainerJobTrainingHostOptions.IsJobResourceId(ContainerJob.JobResourceId))
            {
                yield return new ValidationResult(
                    $"TrainingHost:ContainerJob:JobResourceId '{ContainerJob.JobResourceId}' is not a job's resource id (/subscriptions/…/resourceGroups/…/providers/Microsoft.App/jobs/NAME).",
                    [nameof(ContainerJob)]);
            }

            if (ContainerJob.Timeout <= TimeSpan.Zero || ContainerJob.PollInterval <= TimeSpan.Zero || ContainerJob.PollInterval > ContainerJob.Timeout)
            {
                yield return new ValidationResult("TrainingHost:ContainerJob:Timeout and PollInterval must be positive, the interval no longer than the timeout.", [nameof(ContainerJob)]);
            }

            if (string.IsNullOrWhiteSpace(ContainerJob.ContainerName))
            {
                yield return new ValidationResult("TrainingHost:ContainerJob:ContainerName is required.", [nameof(ContainerJob)]);
            }
        }
    }
}

/// <summary>The child-process training host.</summary>
public sealed class ProcessTrainingHostOptions
{
    /// <summary>
    /// The command that runs the recommender CLI, arguments allowed and double quotes grouping:
    /// <c>/opt/recommender/recommender</c> or <c>dotnet /opt/recommender/recommender.dll</c>.
    /// Empty: <c>dotnet recommender.dll</c> from the app's own folder.
    /// </summary>
    public string? Command { get; set; }

    /// <summary>Longest one training call may run before the child is killed.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromHours(2);
}

/// <summary>The Azure Container Apps job training host.</summary>
public sealed class ContainerJobTrainingHostOptions
{
    /// <summary>Resource id of the job: <c>/subscriptions/{id}/resourceGroups/{rg}/providers/Microsoft.App/jobs/{name}</c>.</summary>
    public string? JobResourceId { get; set; }

    /// <summary>Longest one execution may run before the pipeline gives up on it.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromHours(2);

    /// <summary>How often the pipeline asks for the execution's status.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Name of the job's training container, whose arguments each execution overrides.</summary>
    public string ContainerName { get; set; } = "training";

    /// <summary>Azure Resource Manager endpoint.</summary>
    public Uri ManagementEndpoint { get; set; } = new("https://management.azure.com/");

    /// <summary>Client id of the user-assigned identity that starts executions; empty: the default credential chain.</summary>
    public string? ManagedIdentityClientId { get; set; }

    /// <summary>True when <paramref name="value"/> has the shape of a Container Apps job's resource id.</summary>
    public static bool IsJobResourceId(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return false;
        }

        string[] parts = value.Trim('/').Split('/');
        return parts.Length == 8
            && parts[0].Equals("subscriptions", StringComparison.OrdinalIgnoreCase)
            && parts[2].Equals("resourceGroups", StringComparison.OrdinalIgnoreCase)
            && parts[4].Equals("providers", StringComparison.OrdinalIgnoreCase)
            && parts[5].Equals("Microsoft.App", StringComparison.OrdinalIgnoreCase)
            && parts[6].Equals("jobs", StringComparison.OrdinalIgnoreCase)
            && parts.All(part => part.Length > 0);
    }
}
