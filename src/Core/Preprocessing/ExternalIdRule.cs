using System.Globalization;

namespace Recommender.Core.Preprocessing;

/// <summary>
/// Which user and item ids can exist at all: preprocessing drops a row whose id breaks this rule (<see cref="RowDropReason"/>),
/// so such an id never reaches a model or the lookup table, and whoever asks for one (the HTTP API, <c>recommend</c>) is
/// told so instead of getting the fallback list.
/// </summary>
public static class ExternalIdRule
{
    /// <summary>Longest id preprocessing keeps by default (<see cref="PreprocessingOptions.MaxIdLength"/>).</summary>
    public const int DefaultMaxLength = 1_024;

    /// <summary>Why <paramref name="id"/> can be no user's or item's id ("is empty", "is longer than N characters", "contains control characters"), or null when it can.</summary>
    public static string? Problem(string? id, int maxLength = DefaultMaxLength)
    {
        if (string.IsNullOrWhiteSpace(id))
        {
            return "is empty";
        }

        if (id.Length > maxLength)
        {
            return string.Create(CultureInfo.InvariantCulture, $"is longer than {maxLength:N0} characters");
        }

        return id.Any(char.IsControl) ? "contains control characters" : null;
    }
}
