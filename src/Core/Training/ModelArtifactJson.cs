using System.Text.Json;
using System.Text.Json.Serialization;
using Recommender.Core.Storage;

namespace Recommender.Core.Training;

/// <summary>How the run's JSON artifacts are written and read, with a size cap on what is read.</summary>
internal static class ModelArtifactJson
{
    /// <summary>Camel-case names, enums as strings, indented for people who open the files.</summary>
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Writes <paramref name="value"/> as JSON to <paramref name="path"/>.</summary>
    public static async Task WriteAsync<T>(IArtifactStore store, string path, T value, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await JsonSerializer.SerializeAsync(buffer, value, Options, cancellationToken).ConfigureAwait(false);
        buffer.Position = 0;
        await store.WriteAsync(path, buffer, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Reads JSON from <paramref name="path"/>, refusing files over <paramref name="maxBytes"/>; returns
    /// null when the artifact does not exist. Malformed content throws <see cref="InvalidModelArtifactException"/>.
    /// </summary>
    public static async Task<T?> ReadAsync<T>(IArtifactStore store, string path, long maxBytes, CancellationToken cancellationToken)
        where T : class
    {
        ArtifactInfo? info = await store.GetInfoAsync(path, cancellationToken).ConfigureAwait(false);
        if (info is null)
        {
            return null;
        }

        if (info.Size > maxBytes)
        {
            throw new InvalidModelArtifactException(path, $"it is {info.Size} bytes, more than the {maxBytes} allowed");
        }

        try
        {
            Stream stream = await store.OpenReadAsync(path, cancellationToken).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                return await JsonSerializer.DeserializeAsync<T>(stream, Options, cancellationToken).ConfigureAwait(false)
                    ?? throw new InvalidModelArtifactException(path, "it holds null");
            }
        }
        catch (ArtifactNotFoundException)
        {
            return null;
        }
        catch (JsonException ex)
        {
            throw new InvalidModelArtifactException(path, $"it is not valid JSON ({ex.Message})", ex);
        }
    }
}
