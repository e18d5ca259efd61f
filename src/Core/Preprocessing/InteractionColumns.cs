using Recommender.Core.Datasets;

namespace Recommender.Core.Preprocessing;

/// <summary>
/// Interactions as parallel columns (20 bytes a row: provisional user and item codes, weight, time), filled row by
/// row while logs stream in. A row is marked removed by setting its user to -1; <see cref="Compact"/> then closes the
/// gaps while keeping the order of the remaining rows.
/// </summary>
/// <remarks>
/// Appended rows go into chunks, one per <see cref="EnsureRoom(int, int)"/> that needs room (a file, when its row count
/// is known, else a batch), so growing never copies the rows already held. The first access to the columns adopts a
/// single chunk as it is, or joins several into arrays of <see cref="Count"/> rows, column by column, dropping each
/// chunk's part as it is copied. Memory stays near 20 bytes per kept row instead of doubling while an array grows.
/// The arrays may be longer than <see cref="Count"/>; rows from <see cref="Count"/> on mean nothing.
/// </remarks>
internal sealed class InteractionColumns
{
    /// <summary>Below this many unused rows a chunk is kept as it is when the next one starts.</summary>
    private const int TolerableSlack = 1 << 12;

    private readonly List<Chunk> _chunks = [];
    private Chunk? _open;
    private int[] _users = [];
    private int[] _items = [];
    private float[] _weights = [];
    private long[] _timestamps = [];
    private int[] _scratch = [];

    public int Count { get; private set; }

    public int[] Users
    {
        get
        {
            Join();
            return _users;
        }
    }

    public int[] Items
    {
        get
        {
            Join();
            return _items;
        }
    }

    public float[] Weights
    {
        get
        {
            Join();
            return _weights;
        }
    }

    public long[] Timestamps
    {
        get
        {
            Join();
            return _timestamps;
        }
    }

    /// <summary>
    /// An array of at least <paramref name="length"/> ints for the steps that group rows (combining duplicates, the
    /// split), which run one after another: they share one allocation instead of each making its own.
    /// </summary>
    public int[] Scratch(int length)
    {
        if (_scratch.Length < length)
        {
            // Dropped first, so that a collection triggered by the new array can take the old one.
            _scratch = [];
            _scratch = new int[length];
        }

        return _scratch;
    }

    /// <summary>Lets the scratch array go once no step needs it any more.</summary>
    public void ReleaseScratch() => _scratch = [];

    /// <summary>Makes room for <paramref name="additional"/> more rows.</summary>
    public void EnsureRoom(int additional) => EnsureRoom(additional, additional);

    /// <summary>
    /// Makes room for <paramref name="additional"/> more rows; when a new chunk is needed, it is made for
    /// <paramref name="expected"/> rows (the rest of a file), so later batches of the same file fit without another.
    /// </summary>
    public void EnsureRoom(int additional, int expected)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(additional);
        if (_open is not null && _open.Capacity - _open.Count >= additional)
        {
            return;
        }

        if ((long)Count + additional > Array.MaxLength)
        {
            throw new InvalidOperationException($"More than {Array.MaxLength} interactions do not fit in one dataset.");
        }

        if (_chunks.Count == 0 && Count > 0)
        {
            // Rows appended after a join continue after the joined arrays, which become the first chunk.
            _chunks.Add(new Chunk(_users, _items, _weights, _timestamps, Count));
            (_users, _items, _weights, _timestamps) = ([], [], [], []);
        }

        _open?.TrimWhenSlack(TolerableSlack);
        _open = new Chunk(Math.Max(additional, expected));
        _chunks.Add(_open);
    }

    /// <summary>Appends a row; call <see cref="EnsureRoom(int)"/> first.</summary>
    public void Append(int user, int item, float weight, long timestamp)
    {
        Chunk chunk = _open!;
        int row = chunk.Count;
        chunk.Users[row] = user;
        chunk.Items[row] = item;
        chunk.Weights[row] = weight;
        chunk.Timestamps[row] = timestamp;
        chunk.Count = row + 1;
        Count++;
    }

    /// <summary>Forgets every row from <paramref name="count"/> on (the rows of a log that was rejected part-way).</summary>
    public void Truncate(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, Count);
        int before = 0;
        int keep = 0;
        while (keep < _chunks.Count && before + _chunks[keep].Count <= count)
        {
            before += _chunks[keep].Count;
            keep++;
        }

        if (keep < _chunks.Count)
        {
            _chunks[keep].Count = count - before;
            keep++;
        }

        _chunks.RemoveRange(keep, _chunks.Count - keep);
        _open = _chunks.Count > 0 ? _chunks[^1] : null;
        Count = count;
    }

    /// <summary>Drops the rows whose user is negative, keeping the others in order; returns how many were dropped.</summary>
    public int Compact()
    {
        Join();
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
        Join();
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
        Join();
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

    private void Join()
    {
        if (_chunks.Count == 0)
        {
            return;
        }

        if (_chunks.Count == 1)
        {
            // Arrays may be longer than Count (rows dropped after room was made); every reader stops at Count.
            Chunk only = _chunks[0];
            (_users, _items, _weights, _timestamps) = (only.Users, only.Items, only.Weights, only.Timestamps);
        }
        else
        {
            _users = JoinColumn(chunk => chunk.Users, chunk => chunk.Users = []);
            _items = JoinColumn(chunk => chunk.Items, chunk => chunk.Items = []);
            _weights = JoinColumn(chunk => chunk.Weights, chunk => chunk.Weights = []);
            _timestamps = JoinColumn(chunk => chunk.Timestamps, chunk => chunk.Timestamps = []);
        }

        _chunks.Clear();
        _open = null;
    }

    private T[] JoinColumn<T>(Func<Chunk, T[]> column, Action<Chunk> release)
    {
        var joined = new T[Count];
        int at = 0;
        foreach (Chunk chunk in _chunks)
        {
            column(chunk).AsSpan(0, chunk.Count).CopyTo(joined.AsSpan(at));
            at += chunk.Count;
            release(chunk);
        }

        return joined;
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

    /// <summary>Rows appended for one batch.</summary>
    private sealed class Chunk
    {
        public Chunk(int capacity)
            : this(new int[capacity], new int[capacity], new float[capacity], new long[capacity], 0)
        {
        }

        public Chunk(int[] users, int[] items, float[] weights, long[] timestamps, int count)
        {
            Users = users;
            Items = items;
            Weights = weights;
            Timestamps = timestamps;
            Count = count;
        }

        public int[] Users { get; set; }

        public int[] Items { get; set; }

        public float[] Weights { get; set; }

        public long[] Timestamps { get; set; }

        public int Count { get; set; }

        public int Capacity => Users.Length;

        /// <summary>Copies the rows into arrays of their own size when more than <paramref name="tolerated"/> rows are unused.</summary>
        public void TrimWhenSlack(int tolerated)
        {
            if (Capacity - Count > tolerated)
            {
                Users = Users[..Count];
                Items = Items[..Count];
                Weights = Weights[..Count];
                Timestamps = Timestamps[..Count];
            }
        }
    }
}
