using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Recommender.Core.Lookup;
using Recommender.Core.Preprocessing;

namespace Recommender.Functions.Api;

/// <summary>
/// <c>GET /api/recommendations/{userId}?k=N</c>: one user's precomputed list from the active
/// version of the lookup table; users without a list get the popularity fallback, flagged.
/// </summary>
public sealed class RecommendationsApi(ILookupStore lookup)
{
    /// <summary>Largest <c>k</c> a caller may ask for.</summary>
    public const int MaxK = 1_000;

    /// <summary>Longest user id accepted.</summary>
    public const int MaxUserIdLength = ExternalIdRule.DefaultMaxLength;

    /// <summary>Returns the user's top-k items with scores and the model version that produced them.</summary>
    [Function(nameof(GetRecommendations))]
    public async Task<IActionResult> GetRecommendations(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "recommendations/{*userId}")] HttpRequest request,
        string userId,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (ApiValidation.ValidateId(userId, "userId", MaxUserIdLength) is { } badId)
        {
            return badId;
        }

        if (!ApiValidation.TryReadInt(request.Query, "k", 10, 1, MaxK, out int k, out IActionResult? badK))
        {
            return badK;
        }

        UserRecommendations? list = await lookup.GetAsync(userId, cancellationToken: cancellationToken).ConfigureAwait(false);
        bool fallback = list is null;
        list ??= await lookup.GetFallbackAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        if (list is null)
        {
            return ApiValidation.Problem(StatusCodes.Status404NotFound, "No recommendations published yet", "No model version is active; run the training pipeline first.");
        }

        int count = Math.Min(k, list.ItemIds.Count);
        var items = new RecommendedItem[count];
        for (int i = 0; i < count; i++)
        {
            items[i] = new RecommendedItem(list.ItemIds[i], list.Scores[i]);
        }

        return new OkObjectResult(new RecommendationsResponse(userId, items, list.Version, fallback, list.GeneratedAt));
    }
}

/// <summary>Body of a recommendations response.</summary>
/// <param name="UserId">The user asked about.</param>
/// <param name="Items">Ranked items, best first.</param>
/// <param name="ModelVersion">Lookup version (model run) that produced the list.</param>
/// <param name="Fallback">True when the user had no list and the popularity list was served.</param>
/// <param name="GeneratedAt">When the list was computed.</param>
public sealed record RecommendationsResponse(string UserId, IReadOnlyList<RecommendedItem> Items, string ModelVersion, bool Fallback, DateTimeOffset GeneratedAt);

/// <summary>One recommended item and its score.</summary>
public sealed record RecommendedItem(string ItemId, float Score);
