using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using OpenTelemetry.Trace;
using Recommender.Functions.Hosting;

namespace Recommender.Functions.Tests;

/// <summary>
/// The app's logs reach the host's console and log stream with or without Application Insights; the
/// worker exports its own traces only when Application Insights is configured.
/// </summary>
public sealed class TelemetryTests
{
    private const string ApplicationInsights = "InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://127.0.0.1/";

    [Theory]
    [InlineData(null)]
    [InlineData(ApplicationInsights)]
    public void AddRecommenderTelemetry_WithOrWithoutApplicationInsights_NeverTakesLogsAwayFromTheHost(string? connectionString)
    {
        using IHost host = BuildHost(connectionString);

        // Either capability makes the host stop writing the worker's logs (the second drops them outright).
        IDictionary<string, string> capabilities = host.Services.GetRequiredService<IOptions<WorkerOptions>>().Value.Capabilities;
        Assert.DoesNotContain("WorkerOpenTelemetryEnabled", capabilities.Keys);
        Assert.DoesNotContain("WorkerOpenTelemetrySchemaVersion", capabilities.Keys);
    }

    [Fact]
    public void AddRecommenderTelemetry_WithApplicationInsights_ExportsTheWorkersTraces()
    {
        using IHost host = BuildHost(ApplicationInsights);

        Assert.NotNull(host.Services.GetService<TracerProvider>());
    }

    [Fact]
    public void AddRecommenderTelemetry_WithoutApplicationInsights_RegistersNoTracing()
    {
        using IHost host = BuildHost(connectionString: null);

        Assert.Null(host.Services.GetService<TracerProvider>());
    }

    private static IHost BuildHost(string? connectionString)
    {
        HostApplicationBuilder builder = Host.CreateApplicationBuilder();
        builder.Configuration[TelemetryExtensions.ConnectionStringSetting] = connectionString;
        builder.Services.AddOptions<WorkerOptions>();
        builder.AddRecommenderTelemetry();
        return builder.Build();
    }
}
