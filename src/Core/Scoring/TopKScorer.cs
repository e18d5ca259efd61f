using System.Numerics;
using Recommender.Core.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Recommender.Core.Scoring;

/// <summary>
/// Computes each user's top-K items from a model's factors: scores for a batch of users come from
/// one matrix product (users x items^T) into a reused buffer, seen items are set to <c>-inf</c>, and a
/// SIMD threshold selection reads the buffer in place. Memory is bounded by batch size x item count,
/// never by the user count, so shards of any size can be scored on a small machine.
/// </summary>
/// <remarks>
/// One instance is not safe for concurrent calls (it owns the score buffer); score shards in
/// parallel with one instance each. Ties rank the lower item index first; NaN scores never rank.
/// </remarks>
public sealed class TopKScorer : IDisposable
{
    /// <summary>
    /// Score buffer size the default batch aims for, in floats (16 MB): small enough that much of a batch
    /// is still in cache when it is selected from, large enough that each matrix product is one
    /// efficient call (many small products cost more in per-call threading overhead).
    /// </summary>
    private const int TargetBufferFloats = 4 * 1024 * 1024;

    private readonly FactorSnapshot _factors;
    private readonly UserItemSets? _excludedItems;
    private readonly float[] _userBuffer;
    private readonly float[] _scoreBuffer;
    private readonly Tensor _userBufferTensor;
    private readonly Tensor _userBatch;
    private readonly Tensor _scoreBufferTensor;
    private readonly Tensor _scoreBatch;
    /// <summary>
    /// A batch of user rows with fewer than one value in this many nonzero is scored by adding item-table
    /// columns rather than by the dense product: EASE's user rows are interaction rows, almost all zeros,
    /// and summing the B rows of a user's items costs that user's items × catalog instead of catalog².
    /// </summary>
    private const int SparseBatchDensityDivisor = 16;

    private Tensor _productRight;
    private float[]? _columns;
    private readonly SelectionWorkspace[] _workspaces;
    private bool _disposed;

    /// <summary>Creates a scorer over <paramref name="factors"/>.</summary>
    /// <param name="factors">User and item factors; the score of (user, item) is their dot product.</param>
    /// <param name="excludedItems">Items never recommended to each user (usually the training interactions); null excludes nothing.</param>
    /// <param name="batchSize">Users per matrix product; 0 picks a size that keeps the score buffer near 16 MB.</param>
    /// <param name="selectionThreads">
    /// Threads that select from each score batch. 1 (the default) selects on the calling thread: on small
    /// hosts torch's OpenMP workers and the .NET thread pool otherwise spin against each other between
    /// batches, which measured slower than selecting serially. Raise it on hosts with many cores.
    /// </param>
    public TopKScorer(FactorSnapshot factors, UserItemSets? excludedItems = null, int batchSize = 0, int selectionThreads = 1)
    {
        ArgumentNullException.ThrowIfNull(factors);
        ArgumentOutOfRangeException.ThrowIfNegative(batchSize);
        ArgumentOutOfRangeException.ThrowIfLessThan(selectionThreads, 1);
        ValidateFactors(factors);
        if (excludedItems is not null && excludedItems.ItemCount != factors.ItemCount)
        {
            throw new ArgumentException(
                $"Excluded items refer to {excludedItems.ItemCount} items but the factors have {factors.ItemCount}.",
                nameof(excludedItems));
        }

        _factors = factors;
        _excludedItems = excludedItems;
        BatchSize = batchSize > 0 ? batchSize : DefaultBatchSize(factors.ItemCount);

        int dimension = factors.Dimension;
        int itemCount = factors.ItemCount;

        // Managed, pinned buffers shared with tensors: the product is written straight into memory the
        // selection reads as spans, with no copy and no allocation per batch.
        _userBuffer = GC.AllocateUninitializedArray<float>(BatchSize * dimension, pinned: true);
        _scoreBuffer = GC.AllocateUninitializedArray<float>(checked(BatchSize * itemCount), pinned: true);
        _userBufferTensor = torch.from_array(_userBuffer);
        _userBatch = _userBufferTensor.view(BatchSize, dimension);
        _scoreBufferTensor = torch.from_array(_scoreBuffer);
        _scoreBatch = _scoreBufferTensor.view(BatchSize, itemCount);

        // The product's right side, [dimension, items]: a transposed view of the snapshot's item rows, shared, not copied.
        using (Tensor flat = torch.from_array(factors.ItemFactors))
        using (Tensor itemFactors = flat.view(itemCount, dimension))
        {
            _productRight = itemFactors.t();
        }

        SelectionThreads = selectionThreads;
        _workspaces = new SelectionWorkspace[selectionThreads == 1 ? 1 : selectionThreads * 4];
    }

    /// <summary>Users per matrix product.</summary>
    public int BatchSize { get; }

    /// <summary>Threads that select from each score batch.</summary>
    public int SelectionThreads { get; }

    /// <summary>Number of users the factors hold.</summary>
    public int UserCount => _factors.UserCount;

    /// <summary>Number of items the factors hold.</summary>
    public int ItemCount => _factors.ItemCount;

    /// <summary>Default users per batch for a catalog of <paramref name="itemCount"/> items.</summary>
    public static int DefaultBatchSize(int itemCount) => Math.Clamp(TargetBufferFloats / Math.Max(1, itemCount), 1, 4096);

    /// <summary>Top-<paramref name="k"/> items of every user.</summary>
    public RecommendationLists ScoreAll(int k, CancellationToken cancellationToken = default) =>
        ScoreUsers(k, 0, UserCount, cancellationToken);

    /// <summary>
    /// Top-<paramref name="k"/> items of users [<paramref name="fromUser"/>, <paramref name="toUser"/>): one shard.
    /// Rows with fewer than K candidates (after exclusion) are shorter; a user who has seen every item gets an empty row.
    /// </summary>
    public RecommendationLists ScoreUsers(int k, int fromUser, int toUser, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        if (fromUser < 0 || toUser < fromUser || toUser > UserCount)
        {
            throw new ArgumentOutOfRangeException(nameof(toUser), $"User range [{fromUser}, {toUser}) is outside [0, {UserCount}).");
        }

        return Score(k, _factors.UserFactors, _excludedItems, fromUser, toUser, cancellationToken);
    }

    /// <summary>
    /// Top-<paramref name="k"/> items of users given by their own factor rows rather than the snapshot's: row
    /// <c>r</c> of the result is row <c>r</c> of <paramref name="userFactors"/>, excluding row <c>r</c> of
    /// <paramref name="excludedItems"/>. A scoring shard scores each block of users it reads this way, with one
    /// scorer (one copy of the item table, one score buffer) for all its blocks.
    /// </summary>
    /// <param name="k">Items per user.</param>
    /// <param name="userFactors">Row-major [<paramref name="userCount"/>, Dimension].</param>
    /// <param name="userCount">Number of rows.</param>
    /// <param name="excludedItems">Items never recommended to each row; null excludes nothing.</param>
    /// <param name="cancellationToken">Stops between batches.</param>
    public RecommendationLists ScoreRows(int k, float[] userFactors, int userCount, UserItemSets? excludedItems, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        ArgumentNullException.ThrowIfNull(userFactors);
        ArgumentOutOfRangeException.ThrowIfNegative(userCount);
        if (userFactors.LongLength != (long)userCount * _factors.Dimension)
        {
            throw new ArgumentException($"userFactors has {userFactors.LongLength} values; expected {userCount} users x {_factors.Dimension}.", nameof(userFactors));
        }

        if (excludedItems is not null && excludedItems.ItemCount != ItemCount)
        {
            throw new ArgumentException($"Excluded items refer to {excludedItems.ItemCount} items but the factors have {ItemCount}.", nameof(excludedItems));
        }

        return Score(k, userFactors, excludedItems, 0, userCount, cancellationToken);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _productRight.Dispose();
        _scoreBatch.Dispose();
        _scoreBufferTensor.Dispose();
        _userBatch.Dispose();
        _userBufferTensor.Dispose();
    }

    private RecommendationLists Score(int k, float[] userFactors, UserItemSets? excludedItems, int fromUser, int toUser, CancellationToken cancellationToken)
    {
        int capacity = Math.Min(k, ItemCount);
        var lists = new RecommendationLists(fromUser, toUser - fromUser, capacity);
        if (capacity == 0)
        {
            return lists;
        }

        int dimension = _factors.Dimension;
        for (int batchStart = fromUser; batchStart < toUser; batchStart += BatchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int batchUsers = Math.Min(BatchSize, toUser - batchStart);
            ReadOnlySpan<float> batch = userFactors.AsSpan(batchStart * dimension, batchUsers * dimension);
            if (IsSparse(batch))
            {
                AddColumns(batch, batchUsers);
            }
            else
            {
                batch.CopyTo(_userBuffer);
                using var scope = torch.NewDisposeScope();
                var users = _userBatch.narrow(0, 0, batchUsers);
                var scores = _scoreBatch.narrow(0, 0, batchUsers);
                scores.addmm_(users, _productRight, beta: 0, alpha: 1);
            }

            SelectBatch(lists, excludedItems, batchStart, batchUsers, capacity);
        }

        return lists;
    }

    private static bool IsSparse(ReadOnlySpan<float> rows)
    {
        long limit = rows.Length / SparseBatchDensityDivisor;
        long nonzeros = 0;
        foreach (float value in rows)
        {
            if (value != 0 && ++nonzeros >= limit)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Scores each row of <paramref name="rows"/> as the sum of the item table's columns at its nonzero
    /// entries, weighted by them. The first sparse batch lays the item table out by column (then used by
    /// dense batches as well, so the scorer still holds one copy).
    /// </summary>
    private void AddColumns(ReadOnlySpan<float> rows, int batchUsers)
    {
        int dimension = _factors.Dimension;
        int itemCount = ItemCount;
        if (_columns is null)
        {
            _columns = GC.AllocateUninitializedArray<float>(checked(dimension * itemCount), pinned: true);
            Tensor columns;
            using (Tensor flat = torch.from_array(_columns))
            {
                columns = flat.view(dimension, itemCount);
            }

            columns.copy_(_productRight);
            _productRight.Dispose();
            _productRight = columns;
        }

        for (int row = 0; row < batchUsers; row++)
        {
            Span<float> scores = _scoreBuffer.AsSpan(row * itemCount, itemCount);
            scores.Clear();
            ReadOnlySpan<float> user = rows.Slice(row * dimension, dimension);
            for (int entry = 0; entry < dimension; entry++)
            {
                if (user[entry] != 0)
                {
                    MultiplyAdd(_columns.AsSpan(entry * itemCount, itemCount), user[entry], scores);
                }
            }
        }
    }

    /// <summary>target += weight · source, element by element.</summary>
    private static void MultiplyAdd(ReadOnlySpan<float> source, float weight, Span<float> target)
    {
        int index = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var factor = new Vector<float>(weight);
            for (; index <= source.Length - Vector<float>.Count; index += Vector<float>.Count)
            {
                (new Vector<float>(target[index..]) + (factor * new Vector<float>(source[index..]))).CopyTo(target[index..]);
            }
        }

        for (; index < source.Length; index++)
        {
            target[index] += weight * source[index];
        }
    }

    private void SelectBatch(RecommendationLists lists, UserItemSets? excludedItems, int batchStart, int batchUsers, int k)
    {
        int chunks = Math.Min(_workspaces.Length, batchUsers);
        if (chunks <= 1)
        {
            SelectRows(lists, excludedItems, batchStart, 0, batchUsers, k, 0);
            return;
        }

        Parallel.For(
            0,
            chunks,
            new ParallelOptions { MaxDegreeOfParallelism = SelectionThreads },
            chunk => SelectRows(lists, excludedItems, batchStart, (int)((long)batchUsers * chunk / chunks), (int)((long)batchUsers * (chunk + 1) / chunks), k, chunk));
    }

    private void SelectRows(RecommendationLists lists, UserItemSets? excludedItems, int batchStart, int firstRow, int endRow, int k, int workspaceIndex)
    {
        var workspace = _workspaces[workspaceIndex] ??= new SelectionWorkspace();
        workspace.EnsureCapacity(k);
        int itemCount = ItemCount;
        for (int batchRow = firstRow; batchRow < endRow; batchRow++)
        {
            int user = batchStart + batchRow;
            var scores = _scoreBuffer.AsSpan(batchRow * itemCount, itemCount);
            if (excludedItems is not null)
            {
                foreach (int item in excludedItems.ItemsOf(user))
                {
                    scores[item] = float.NegativeInfinity;
                }
            }

            int row = user - lists.FirstUser;
            lists.Counts[row] = TopKSelection.SelectRow(
                scores,
                k,
                workspace.Scratch,
                lists.Items.AsSpan(row * lists.Capacity, k),
                lists.Scores.AsSpan(row * lists.Capacity, k));
        }
    }

    private static void ValidateFactors(FactorSnapshot factors)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(factors.UserCount, nameof(factors));
        ArgumentOutOfRangeException.ThrowIfNegative(factors.ItemCount, nameof(factors));
        ArgumentOutOfRangeException.ThrowIfLessThan(factors.Dimension, 1, nameof(factors));
        if (factors.UserFactors.LongLength != (long)factors.UserCount * factors.Dimension)
        {
            throw new ArgumentException(
                $"UserFactors has {factors.UserFactors.LongLength} values; expected {factors.UserCount} users x {factors.Dimension}.",
                nameof(factors));
        }

        if (factors.ItemFactors.LongLength != (long)factors.ItemCount * factors.Dimension)
        {
            throw new ArgumentException(
                $"ItemFactors has {factors.ItemFactors.LongLength} values; expected {factors.ItemCount} items x {factors.Dimension}.",
                nameof(factors));
        }
    }

    /// <summary>Per-worker candidate storage, kept across batches.</summary>
    private sealed class SelectionWorkspace
    {
        public ulong[] Scratch { get; private set; } = [];

        public void EnsureCapacity(int k)
        {
            int capacity = TopKSelection.ScratchLength(k);
            if (Scratch.Length < capacity)
            {
                Scratch = new ulong[capacity];
            }
        }
    }
}
