using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Trace;
using Recommender.Functions.Hosting;

namespace Recommender.Functions.Tests;

public sealed class TelemetryTests
{
    [Theory]
    [InlineData(null)]
    [InlineData("InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://127.0.0.1/")]
    public void AddRecommenderTelemetry_WithOrWithoutApplicationInsights_RegistersATracerProvider(string? connectionString)
    {
        HostApplicationBuilder builder = Host.CreateApplicationBuilder();
        builder.Configuration[TelemetryExtensions.ConnectionStringSetting] = connectionString;

        builder.AddRecommenderTelemetry();
        using IHost host = builder.Build();

        Assert.NotNull(host.Services.GetService<TracerProvider>());
    }
}
