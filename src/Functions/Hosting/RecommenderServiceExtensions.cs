using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Recommender.Core.Lookup;
using Recommender.Core.Storage;

namespace Recommender.Functions.Hosting;

/// <summary>Registers everything the Functions app needs, once, from configuration.</summary>
public static class RecommenderServiceExtensions
{
    /// <summary>Adds validated options, the storage clients and the stores to the app.</summary>
    public static IHostApplicationBuilder AddRecommender(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<StorageOptions>()
            .Bind(builder.Configuration.GetSection(StorageOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();

        builder.Services.AddSingleton(sp => new StorageClients(sp.GetRequiredService<IOptions<StorageOptions>>().Value));
        builder.Services.AddSingleton<IArtifactStore>(sp => sp.GetRequiredService<StorageClients>().CreateArtifactStore());
        builder.Services.AddSingleton<ILookupStore>(sp =>
        {
            StorageClients clients = sp.GetRequiredService<StorageClients>();
            return new TableLookupStore(clients.Tables.GetTableClient(clients.Options.LookupTable));
        });
        return builder;
    }
}
