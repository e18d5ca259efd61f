using Azure.Identity;
using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace Recommender.Functions.Hosting;

/// <summary>OpenTelemetry for the worker: traces and logs correlated with the host, exported to Application Insights when configured.</summary>
public static class TelemetryExtensions
{
    /// <summary>The app setting that points the exporter at Application Insights.</summary>
    public const string ConnectionStringSetting = "APPLICATIONINSIGHTS_CONNECTION_STRING";

    /// <summary>
    /// Wires OpenTelemetry with the Functions worker's defaults. With an Application Insights
    /// connection string the exporter authenticates with the app's managed identity (local auth
    /// is off on the resource), so no key is ever configured.
    /// </summary>
    public static IHostApplicationBuilder AddRecommenderTelemetry(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        IOpenTelemetryBuilder telemetry = builder.Services.AddOpenTelemetry()
            .UseFunctionsWorkerDefaults()
            .WithTracing(tracing => tracing.AddSource("Recommender.*"));
        string? connectionString = builder.Configuration[ConnectionStringSetting];
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            string? clientId = builder.Configuration["Recommender:Storage:ManagedIdentityClientId"];
            telemetry.UseAzureMonitorExporter(options =>
            {
                options.ConnectionString = connectionString;
                options.Credential = string.IsNullOrWhiteSpace(clientId)
                    ? new DefaultAzureCredential()
                    : new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = clientId });
            });
        }

        return builder;
    }
}
