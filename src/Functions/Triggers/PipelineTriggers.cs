using Azure.Storage.Blobs;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Recommender.Functions.Pipeline;

namespace Recommender.Functions.Triggers;

/// <summary>
/// What starts the pipeline without a person: uploads to the interactions container and the
/// nightly timer. Two blob triggers exist because Flex Consumption supports only the Event Grid
/// source while Azurite supports only polling; one is disabled by app setting
/// (<c>AzureWebJobs.&lt;Function&gt;.Disabled</c>). A burst of uploads or a repeated delivery
/// starts one run; uploads during a run are picked up by its single follow-up run.
/// </summary>
public sealed class PipelineTriggers(PipelineStarter starter)
{
    /// <summary>Polling blob trigger (local development with Azurite).</summary>
    [Function(nameof(InteractionsBlobTrigger))]
    public Task InteractionsBlobTrigger(
        [BlobTrigger("%Recommender:Storage:InteractionsContainer%/{name}", Connection = "InteractionsStorage")] BlobClient blob,
        string name,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blob);
        return OnUploadAsync(name, client, cancellationToken);
    }

    /// <summary>Event Grid blob trigger (Azure, Flex Consumption).</summary>
    [Function(nameof(InteractionsEventGridBlobTrigger))]
    public Task InteractionsEventGridBlobTrigger(
        [BlobTrigger("%Recommender:Storage:InteractionsContainer%/{name}", Source = BlobTriggerSource.EventGrid, Connection = "InteractionsStorage")] BlobClient blob,
        string name,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blob);
        return OnUploadAsync(name, client, cancellationToken);
    }

    /// <summary>
    /// Nightly run (NCRONTAB schedule, UTC, from the <c>RecommenderSchedule</c> app setting); skips when no input
    /// changed. A flat setting name: the platform's scale controller, which wakes an app scaled to zero for its
    /// timers, gets the schedule as written and looks the name up among the app settings.
    /// </summary>
    [Function(nameof(NightlyTrigger))]
    public Task NightlyTrigger(
        [TimerTrigger("%RecommenderSchedule%")] TimerInfo timer,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(timer);
        return starter.StartAsync(client, "timer", overrides: null, onlyIfInputChanged: true, cancellationToken);
    }

    private Task OnUploadAsync(string name, DurableTaskClient client, CancellationToken cancellationToken) =>
        starter.StartAsync(client, $"blob:{name}", overrides: null, onlyIfInputChanged: true, cancellationToken);
}
