using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Recommender.Core.Preprocessing;

namespace Recommender.Functions.Api;

/// <summary>Input checks shared by the HTTP functions; failures become RFC 7807 problem responses.</summary>
internal static class ApiValidation
{
    /// <summary>A 400 when <paramref name="value"/> is empty, too long or holds control characters; otherwise null.</summary>
    public static IActionResult? ValidateId(string? value, string name, int maxLength) =>
        ExternalIdRule.Problem(value, maxLength) is { } reason
            ? Problem(StatusCodes.Status400BadRequest, $"Invalid {name}", $"'{name}' {reason}.")
            : null;

    /// <summary>Reads an optional integer query parameter within [min, max].</summary>
    public static bool TryReadInt(IQueryCollection query, string name, int defaultValue, int min, int max, out int value, [NotNullWhen(false)] out IActionResult? problem)
    {
        problem = null;
        value = defaultValue;
        if (!query.TryGetValue(name, out var raw) || raw.Count == 0)
        {
            return true;
        }

        if (raw.Count > 1 || !int.TryParse(raw[0], NumberStyles.None, CultureInfo.InvariantCulture, out value) || value < min || value > max)
        {
            problem = Problem(StatusCodes.Status400BadRequest, $"Invalid {name}", $"'{name}' must be a whole number from {min} to {max}.");
            return false;
        }

        return true;
    }

    /// <summary>An RFC 7807 problem response.</summary>
    public static ObjectResult Problem(int status, string title, string detail) =>
        new(new ProblemDetails { Status = status, Title = title, Detail = detail }) { StatusCode = status };
}
