using System.Text.Json;
using System.Text.Json.Serialization;

namespace Recommender.Functions.Api;

/// <summary>
/// Writes NaN and ±Infinity as JSON <c>null</c> in the HTTP API's answers (a metric with nothing to measure, such as an
/// RMSE without rating pairs, is NaN): JSON has no such numbers, and the serializer's default throws on them, which
/// turned <c>GET /api/runs</c> into a 500 for as long as such a run was listed. Finite values are written as usual.
/// </summary>
public sealed class NonFiniteAsNullConverter : JsonConverter<double>
{
    /// <inheritdoc />
    public override bool HandleNull => true;

    /// <inheritdoc />
    public override double Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.Null ? double.NaN : reader.GetDouble();

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, double value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (double.IsFinite(value))
        {
            writer.WriteNumberValue(value);
        }
        else
        {
            writer.WriteNullValue();
        }
    }
}
