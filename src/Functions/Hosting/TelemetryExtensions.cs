using Azure.Identity;
using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Recommender.Core.Storage;

namespace Recommender.Functions.Hosting;

/// <summary>
/// Where the app's logs and traces go. Logs always travel to the Functions host, which writes them
/// to its console (<c>func start</c>), to the log stream and, when Application Insights is
/// configured, to Application Insights. The worker exports only its own traces, and only when
/// Application Insights is configured.
/// </summary>
/// <remarks>
/// The worker's OpenTelemetry defaults (<c>UseFunctionsWorkerDefaults</c> of
/// Microsoft.Azure.Functions.Worker.OpenTelemetry 1.2) are deliberately not used: they tell the host
/// that the worker exports its own logs and announce telemetry schema 1.37.0, under which the worker
/// sends its logs to the host without the invocation id, and the host drops every one of them from
/// its console and log stream (azure-functions-dotnet-worker issues 3487 and 3489).
/// </remarks>
public static class TelemetryExtensions
{
    /// <summary>The app setting that points the exporter at Application Insights.</summary>
    public const string ConnectionStringSetting = "APPLICATIONINSIGHTS_CONNECTION_STRING";

    /// <summary>
    /// Activity sources the worker exports: the worker's invocation spans (children of the host's
    /// request, so Application Insights shows one end-to-end operation), the Durable Task worker's
    /// orchestration and activity spans, and the Azure SDK's storage calls.
    /// </summary>
    public static readonly IReadOnlyList<string> TraceSources = ["Microsoft.Azure.Functions.Worker", "Microsoft.DurableTask", "Azure.*"];

    /// <summary>
    /// Exports the worker's traces to Application Insights when <see cref="ConnectionStringSetting"/> is
    /// set; does nothing otherwise. The exporter authenticates with the app's managed identity (local
    /// auth is off on the resource), so no key is ever configured.
    /// </summary>
    public static IHostApplicationBuilder AddRecommenderTelemetry(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        string? connectionString = builder.Configuration[ConnectionStringSetting];
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return builder;
        }

        string? clientId = builder.Configuration[$"{StorageOptions.SectionName}:{nameof(StorageOptions.ManagedIdentityClientId)}"];
        string serviceName = builder.Configuration["WEBSITE_SITE_NAME"] is { Length: > 0 } site ? site : "recommender-functions";
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName))
            .WithTracing(tracing => tracing
                .AddSource([.. TraceSources])
                .AddAzureMonitorTraceExporter(options =>
                {
                    options.ConnectionString = connectionString;
                    options.Credential = string.IsNullOrWhiteSpace(clientId)
                        ? new DefaultAzureCredential()
                        : new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = clientId });
                }));
        return builder;
    }
}
