using Recommender.Core.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Recommender.Core.Training;

/// <summary>
/// Seeds a new model with an earlier model's rows for the users and items both vocabularies share,
/// matched by external id. Per-user and per-item tables (<c>user_*</c>, <c>item_*</c>) copy the shared
/// rows when their row width matches; other tensors (the global bias) copy when their shape matches.
/// Rows of ids the earlier model never saw keep their fresh initialization.
/// </summary>
internal static class WarmStart
{
    /// <summary>Copies the shared rows of <paramref name="source"/> into <paramref name="target"/>; returns how many users and items were shared.</summary>
    public static (int SharedUsers, int SharedItems) Apply(
        EmbeddingModel target,
        IReadOnlyList<string> targetUserIds,
        IReadOnlyList<string> targetItemIds,
        EmbeddingModel source,
        IReadOnlyList<string> sourceUserIds,
        IReadOnlyList<string> sourceItemIds)
    {
        (long[] targetUsers, long[] sourceUsers) = MatchIds(targetUserIds, sourceUserIds);
        (long[] targetItems, long[] sourceItems) = MatchIds(targetItemIds, sourceItemIds);
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        Dictionary<string, Tensor> sourceState = source.state_dict();
        Tensor targetUserRows = torch.tensor(targetUsers);
        Tensor sourceUserRows = torch.tensor(sourceUsers);
        Tensor targetItemRows = torch.tensor(targetItems);
        Tensor sourceItemRows = torch.tensor(sourceItems);
        foreach ((string name, Tensor tensor) in target.state_dict())
        {
            if (!sourceState.TryGetValue(name, out Tensor? from) || from.dtype != tensor.dtype || from.dim() != tensor.dim())
            {
                continue;
            }

            if (name.StartsWith(EmbeddingModel.UserParameterPrefix, StringComparison.Ordinal))
            {
                CopyRows(tensor, targetUserRows, from, sourceUserRows);
            }
            else if (name.StartsWith(EmbeddingModel.ItemParameterPrefix, StringComparison.Ordinal))
            {
                CopyRows(tensor, targetItemRows, from, sourceItemRows);
            }
            else if (from.shape.SequenceEqual(tensor.shape))
            {
                tensor.copy_(from);
            }
        }

        return (targetUsers.Length, targetItems.Length);
    }

    private static void CopyRows(Tensor target, Tensor targetRows, Tensor source, Tensor sourceRows)
    {
        if (targetRows.shape[0] == 0 || !source.shape.AsSpan(1).SequenceEqual(target.shape.AsSpan(1)))
        {
            return;
        }

        target.index_copy_(0, targetRows, source.index_select(0, sourceRows));
    }

    private static (long[] Target, long[] Source) MatchIds(IReadOnlyList<string> targetIds, IReadOnlyList<string> sourceIds)
    {
        var sourceIndex = new Dictionary<string, int>(sourceIds.Count, StringComparer.Ordinal);
        for (int i = 0; i < sourceIds.Count; i++)
        {
            sourceIndex.TryAdd(sourceIds[i], i);
        }

        var target = new List<long>();
        var source = new List<long>();
        for (int i = 0; i < targetIds.Count; i++)
        {
            if (sourceIndex.TryGetValue(targetIds[i], out int j))
            {
                target.Add(i);
                source.Add(j);
            }
        }

        return (target.ToArray(), source.ToArray());
    }
}
