using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Recommender.Core.Lookup;
using Recommender.Core.Pipeline;

namespace Recommender.Functions.Api;

/// <summary>
/// <c>GET /api/models</c> (the versions the lookup table holds, which one is live, their
/// evaluation) and <c>POST /api/models/{version}/activate</c> (roll back or forward to a kept version).
/// </summary>
public sealed class ModelsApi(ILookupStore lookup, RunHistory history)
{
    /// <summary>Lists kept versions, newest first, with the live one flagged.</summary>
    [Function(nameof(ListModels))]
    public async Task<IActionResult> ListModels(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "models")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        IReadOnlyList<LookupVersion> versions = await lookup.ListVersionsAsync(cancellationToken).ConfigureAwait(false);
        var models = new List<ModelView>(versions.Count);
        foreach (LookupVersion version in versions)
        {
            RunRecord? record = await history.GetAsync(version.Version, cancellationToken).ConfigureAwait(false);
            models.Add(new ModelView(version.Version, version.IsActive, version.IsPublished, version.UserCount, version.CreatedAt, record?.Evaluation?.Model));
        }

        return new OkObjectResult(models);
    }

    /// <summary>Makes a kept, previously published version live again: 200, or 404 when it is not kept.</summary>
    [Function(nameof(ActivateModel))]
    public async Task<IActionResult> ActivateModel(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "models/{version}/activate")] HttpRequest request,
        string version,
        CancellationToken cancellationToken)
    {
        if (ApiValidation.ValidateId(version, "version", 64) is { } bad)
        {
            return bad;
        }

        IReadOnlyList<LookupVersion> versions = await lookup.ListVersionsAsync(cancellationToken).ConfigureAwait(false);
        if (versions.FindPublished(version) is null)
        {
            return ApiValidation.Problem(StatusCodes.Status404NotFound, "Unknown version", $"Version '{version}' is not a kept, published version.");
        }

        string? previous = await lookup.PublishAsync(version, cancellationToken).ConfigureAwait(false);
        return new OkObjectResult(new { active = version, previous });
    }
}

/// <summary>A model version as the API shows it.</summary>
/// <param name="Version">Version id (the run id that produced it).</param>
/// <param name="Active">True for the version the API serves.</param>
/// <param name="Published">True once it has been live (only those can be activated).</param>
/// <param name="Users">Users with a list.</param>
/// <param name="CreatedAt">When its lists were written.</param>
/// <param name="Metrics">Its evaluation metrics, when recorded.</param>
public sealed record ModelView(string Version, bool Active, bool Published, long Users, DateTimeOffset CreatedAt, IReadOnlyDictionary<string, double>? Metrics);
