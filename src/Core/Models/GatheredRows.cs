using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Recommender.Core.Models;

/// <summary>
/// The embedding rows one training batch reads from large tables, each gathered as its own autograd
/// leaf, so that after the backward pass the optimizer sees a gradient per gathered row instead of a
/// gradient the size of the whole table (see <c>LazyAdam</c>). Only the rows a batch touches are then
/// read and written, which keeps the cost of a step independent of how many users and items the
/// model has. Tables of fewer than <see cref="LazyMinRows"/> rows are read through ordinary autograd
/// instead: their dense gradient costs less than the bookkeeping of rows, and they take the exact
/// Adam step.
/// </summary>
internal sealed class GatheredRows
{
    private readonly List<Gather> _gathers = [];

    /// <summary>Creates the registry; tables of at least <paramref name="lazyMinRows"/> rows are gathered.</summary>
    public GatheredRows(int lazyMinRows)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(lazyMinRows, 1);
        LazyMinRows = lazyMinRows;
    }

    /// <summary>Fewest rows of a table whose rows are gathered (and updated lazily).</summary>
    public int LazyMinRows { get; }

    /// <summary>Every gather of this batch, in the order the loss made them.</summary>
    public IReadOnlyList<Gather> Gathers => _gathers;

    /// <summary>Forgets the gathers of the previous batch (their tensors belong to that batch's dispose scope).</summary>
    public void Clear() => _gathers.Clear();

    /// <summary>
    /// Rows <paramref name="indices"/> (any shape) of <paramref name="table"/>, shaped like the indices
    /// with the table's columns last. From a large table they come from a new leaf that requires a
    /// gradient and the table itself gets none from them; from a small table they are an ordinary
    /// lookup.
    /// </summary>
    public Tensor Take(Embedding table, Tensor indices)
    {
        if (table.weight!.shape[0] < LazyMinRows)
        {
            return table.forward(indices);
        }

        Tensor flat = indices.dim() == 1 ? indices : indices.reshape(-1);
        Tensor rows;
        using (torch.no_grad())
        {
            rows = table.weight!.index_select(0, flat);
        }

        rows.requires_grad_(true);
        _gathers.Add(new Gather(table, flat, rows));
        return indices.dim() == 1 ? rows : rows.view([.. indices.shape, rows.shape[1]]);
    }

    /// <summary>One gather: the embedding module, the row indices (one-dimensional, int64) and the leaf holding those rows.</summary>
    public readonly record struct Gather(Embedding Table, Tensor Indices, Tensor Rows);
}
