using Recommender.Core.Datasets;

namespace Recommender.Core.Preprocessing;

/// <summary>
/// Interactions as growable parallel arrays (20 bytes a row: provisional user and item codes, weight, time),
/// filled row by row while logs stream in. A row is marked removed by setting its user to -1; <see cref="Compact"/>
/// then closes the gaps while keeping the order of the remaining rows.
/// </summary>
internal sealed class InteractionColumns
{
    private const int InitialCapacity = 1 << 16;

    private int[] _users = new int[InitialCapacity];
    private int[] _items = new int[InitialCapacity];
    private float[] _weights = new float[InitialCapacity];
    private long[] _timestamps = new long[InitialCapacity];

    public int Count { get; private set; }

    public int[] Users => _users;

    public int[] Items => _items;

    public float[] Weights => _weights;

    public long[] Timestamps => _timestamps;

    /// <summary>Makes room for <paramref name="additional"/> more rows.</summary>
    public void EnsureRoom(int additional)
    {
        long needed = (long)Count + additional;
        if (needed <= _users.Length)
        {
            return;
        }

        if (needed > Array.MaxLength)
        {
            throw new InvalidOperationException($"More than {Array.MaxLength} interactions do not fit in one dataset.");
        }

        // Growing by half rather than doubling keeps the spare capacity of very large datasets modest.
        long capacity = Math.Max(needed, Math.Min(Array.MaxLength, _users.Length + (long)(_users.Length / 2)));
        Array.Resize(ref _users, (int)capacity);
        Array.Resize(ref _items, (int)capacity);
        Array.Resize(ref _weights, (int)capacity);
        Array.Resize(ref _timestamps, (int)capacity);
    }

    /// <summary>Appends a row; call <see cref="EnsureRoom"/> first.</summary>
    public void Append(int user, int item, float weight, long timestamp)
    {
        int row = Count;
        _users[row] = user;
        _items[row] = item;
        _weights[row] = weight;
        _timestamps[row] = timestamp;
        Count = row + 1;
    }

    /// <summary>Forgets every row from <paramref name="count"/> on (the rows of a log that was rejected part-way).</summary>
    public void Truncate(int count)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, Count);
        Count = count;
    }

    /// <summary>Drops the rows whose user is negative, keeping the others in order; returns how many were dropped.</summary>
    public int Compact()
    {
        int kept = 0;
        for (int row = 0; row < Count; row++)
        {
            if (_users[row] < 0)
            {
                continue;
            }

            if (kept != row)
            {
                _users[kept] = _users[row];
                _items[kept] = _items[row];
                _weights[kept] = _weights[row];
                _timestamps[kept] = _timestamps[row];
            }

            kept++;
        }

        int dropped = Count - kept;
        Count = kept;
        return dropped;
    }

    /// <summary>Replaces provisional codes by final indices (<paramref name="userIndex"/>[code], <paramref name="itemIndex"/>[code]).</summary>
    public void Remap(int[] userIndex, int[] itemIndex)
    {
        for (int row = 0; row < Count; row++)
        {
            _users[row] = userIndex[_users[row]];
            _items[row] = itemIndex[_items[row]];
        }
    }

    /// <summary>
    /// Moves the rows into a train and a validation table, each in row order, and empties these columns. Works
    /// column by column and reuses the arrays for train where they fit exactly, so at most one extra column is alive.
    /// </summary>
    public (InteractionTable Train, InteractionTable Validation) SplitOff(bool[] heldOut)
    {
        int count = Count;
        int validationCount = 0;
        for (int row = 0; row < count; row++)
        {
            if (heldOut[row])
            {
                validationCount++;
            }
        }

        int trainCount = count - validationCount;
        int[] trainUsers = Partition(ref _users, heldOut, count, trainCount, out int[] validationUsers);
        int[] trainItems = Partition(ref _items, heldOut, count, trainCount, out int[] validationItems);
        float[] trainWeights = Partition(ref _weights, heldOut, count, trainCount, out float[] validationWeights);
        long[] trainTimestamps = Partition(ref _timestamps, heldOut, count, trainCount, out long[] validationTimestamps);
        Count = 0;
        return (new InteractionTable(trainUsers, trainItems, trainWeights, trainTimestamps),
            new InteractionTable(validationUsers, validationItems, validationWeights, validationTimestamps));
    }

    private static T[] Partition<T>(ref T[] column, bool[] heldOut, int count, int trainCount, out T[] validation)
    {
        validation = new T[count - trainCount];
        int kept = 0;
        int moved = 0;
        for (int row = 0; row < count; row++)
        {
            if (heldOut[row])
            {
                validation[moved++] = column[row];
            }
            else
            {
                column[kept++] = column[row];
            }
        }

        T[] train = column.Length == trainCount ? column : column[..trainCount];
        column = [];
        return train;
    }
}
