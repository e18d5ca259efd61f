using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Recommender.Core.Models;

/// <summary>
/// Base of the implicit-feedback models whose score is user·item + item bias: user factors, item
/// factors and one bias per item, initialized and exported for scoring the same way; the subclasses
/// differ only in their loss. Subclasses call <c>RegisterComponents</c> once their own fields are set.
/// </summary>
internal abstract class ItemBiasedModel : EmbeddingModel
{
    // Fields, not properties: TorchSharp registers the module's fields (protected ones are visible to
    // the subclass that calls RegisterComponents) under their component names.

    /// <summary>One row of factors per user.</summary>
    [ComponentName(Name = "user_factors")]
    protected readonly Embedding UserFactors;

    /// <summary>One row of factors per item.</summary>
    [ComponentName(Name = "item_factors")]
    protected readonly Embedding ItemFactors;

    /// <summary>One bias per item.</summary>
    [ComponentName(Name = "item_bias")]
    protected readonly Embedding ItemBias;

    /// <summary>Creates the three tables.</summary>
    protected ItemBiasedModel(string name, int userCount, int itemCount, int dimension)
        : base(name, userCount, itemCount, dimension)
    {
        UserFactors = nn.Embedding(userCount, dimension);
        ItemFactors = nn.Embedding(itemCount, dimension);
        ItemBias = nn.Embedding(itemCount, 1);
    }

    /// <inheritdoc />
    public override void InitializeParameters(Generator generator, double standardDeviation)
    {
        InitializeNormal(UserFactors, generator, standardDeviation);
        InitializeNormal(ItemFactors, generator, standardDeviation);
        InitializeZeros(ItemBias);
    }

    /// <summary>User rows are [factors, 1] and item rows [factors, item bias].</summary>
    protected override (Tensor Users, Tensor Items) BuildScoringFactors()
    {
        Tensor userWeights = UserFactors.weight!;
        return (torch.cat([userWeights, OnesColumn(userWeights)], 1), torch.cat([ItemFactors.weight!, ItemBias.weight!], 1));
    }
}
