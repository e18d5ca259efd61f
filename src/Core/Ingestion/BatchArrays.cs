namespace Recommender.Core.Ingestion;

/// <summary>
/// Hands out the column arrays of batches. When batches are read one at a time and each is done with before the
/// next is asked for, the arrays of the previous batch are handed out again, cleared, instead of new ones: a file
/// then costs one set of column arrays, not one per row group, and row groups leave no garbage behind.
/// </summary>
/// <remarks>Not thread-safe: one instance per open log.</remarks>
internal sealed class BatchArrays
{
    private readonly List<Array> _lent = [];
    private readonly List<Array> _free = [];

    /// <summary>Whether arrays are taken back by <see cref="ReleaseAll"/>; when false every array is new.</summary>
    public bool Recycles { get; set; }

    /// <summary>A zeroed array of <paramref name="length"/> elements, as <c>new T[length]</c> would give.</summary>
    public T[] Take<T>(int length)
    {
        if (!Recycles)
        {
            return new T[length];
        }

        T[]? array = null;
        for (int i = 0; i < _free.Count; i++)
        {
            if (_free[i] is T[] free && free.Length == length)
            {
                array = free;
                _free.RemoveAt(i);
                Array.Clear(array);
                break;
            }
        }

        array ??= new T[length];
        _lent.Add(array);
        return array;
    }

    /// <summary>
    /// Takes back every array handed out since the last call: the batch they were part of is no longer used. Arrays
    /// that were not asked for again since then (a row group of another size) are dropped rather than kept.
    /// </summary>
    public void ReleaseAll()
    {
        _free.Clear();
        _free.AddRange(_lent);
        _lent.Clear();
    }

    /// <summary>Drops every array, lent or free, so that none outlives the log.</summary>
    public void Forget()
    {
        _lent.Clear();
        _free.Clear();
    }
}
