using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Recommender.Core.Scoring;

/// <summary>
/// Picks the K best entries of a score row without sorting it. A SIMD scan compares whole blocks
/// against a running threshold and appends only the entries above it to a small candidate buffer;
/// when the buffer fills, a linear-time selection keeps the K best and raises the threshold. Most of
/// the row is therefore read once and skipped, and only about K log(n/K) entries are ever touched
/// one by one. Candidates are packed as one 64-bit key (score descending, then item ascending), so
/// every comparison is a single integer compare and ties break deterministically toward the lower
/// item index. <c>-inf</c> (excluded items) and NaN never qualify.
/// </summary>
internal static class TopKSelection
{
    /// <summary>Size of the candidate scratch buffer <see cref="SelectRow"/> needs for <paramref name="k"/>.</summary>
    public static int CandidateCapacity(int k) => Math.Max(2 * k, k + 64);

    /// <summary>
    /// Writes the best <c>min(k, qualifying)</c> entries of <paramref name="scores"/> into
    /// <paramref name="items"/> and <paramref name="bestScores"/>, best first, and returns how many.
    /// </summary>
    /// <param name="scores">One user's scores, indexed by item.</param>
    /// <param name="k">How many to keep.</param>
    /// <param name="candidates">Scratch space of at least <see cref="CandidateCapacity"/>(<paramref name="k"/>).</param>
    /// <param name="items">Receives the item indices, best first.</param>
    /// <param name="bestScores">Receives the scores, aligned with <paramref name="items"/>.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int SelectRow(ReadOnlySpan<float> scores, int k, Span<ulong> candidates, Span<int> items, Span<float> bestScores)
    {
        if (k <= 0 || scores.IsEmpty)
        {
            return 0;
        }

        var buffer = new CandidateBuffer(candidates[..CandidateCapacity(k)], k);
        int position = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            position = Scan512(scores, ref buffer);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            position = Scan256(scores, ref buffer);
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            position = Scan128(scores, ref buffer);
        }

        for (; position < scores.Length; position++)
        {
            buffer.Offer(scores[position], position);
        }

        return buffer.WriteBest(items, bestScores);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int Scan512(ReadOnlySpan<float> scores, ref CandidateBuffer buffer)
    {
        ref float first = ref MemoryMarshal.GetReference(scores);
        int width = Vector512<float>.Count;
        int position = 0;
        for (; position <= scores.Length - width; position += width)
        {
            var block = Vector512.LoadUnsafe(ref first, (nuint)position);
            ulong above = Vector512.GreaterThan(block, Vector512.Create(buffer.Threshold)).ExtractMostSignificantBits();
            OfferMarked(scores, position, above, ref buffer);
        }

        return position;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int Scan256(ReadOnlySpan<float> scores, ref CandidateBuffer buffer)
    {
        ref float first = ref MemoryMarshal.GetReference(scores);
        int width = Vector256<float>.Count;
        int position = 0;
        for (; position <= scores.Length - width; position += width)
        {
            var block = Vector256.LoadUnsafe(ref first, (nuint)position);
            ulong above = Vector256.GreaterThan(block, Vector256.Create(buffer.Threshold)).ExtractMostSignificantBits();
            OfferMarked(scores, position, above, ref buffer);
        }

        return position;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int Scan128(ReadOnlySpan<float> scores, ref CandidateBuffer buffer)
    {
        ref float first = ref MemoryMarshal.GetReference(scores);
        int width = Vector128<float>.Count;
        int position = 0;
        for (; position <= scores.Length - width; position += width)
        {
            var block = Vector128.LoadUnsafe(ref first, (nuint)position);
            ulong above = Vector128.GreaterThan(block, Vector128.Create(buffer.Threshold)).ExtractMostSignificantBits();
            OfferMarked(scores, position, above, ref buffer);
        }

        return position;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void OfferMarked(ReadOnlySpan<float> scores, int blockStart, ulong marked, ref CandidateBuffer buffer)
    {
        while (marked != 0)
        {
            int item = blockStart + BitOperations.TrailingZeroCount(marked);
            marked &= marked - 1;

            // The threshold may have risen since the block was compared, so offer re-checks it.
            buffer.Offer(scores[item], item);
        }
    }

    /// <summary>Unsorted candidates above the threshold; compacted to the best K whenever it fills.</summary>
    private ref struct CandidateBuffer(Span<ulong> keys, int k)
    {
        private readonly Span<ulong> _keys = keys;
        private readonly int _k = k;
        private int _count;

        /// <summary>Scores must be strictly above this to matter (the K-th best so far, or -inf while fewer than K are held).</summary>
        public float Threshold { get; private set; } = float.NegativeInfinity;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Offer(float score, int item)
        {
            // Strictly greater: a later item with an equal score ranks below every kept one. Fails for NaN and -inf too.
            if (!(score > Threshold))
            {
                return;
            }

            _keys[_count++] = Pack(score, item);
            if (_count == _keys.Length)
            {
                Compact();
            }
        }

        public int WriteBest(Span<int> items, Span<float> scores)
        {
            if (_count > _k)
            {
                KeyOrder.SelectSmallest(_keys[.._count], _k);
                _count = _k;
            }

            var best = _keys[.._count];
            best.Sort();
            for (int rank = 0; rank < best.Length; rank++)
            {
                (scores[rank], items[rank]) = Unpack(best[rank]);
            }

            return best.Length;
        }

        private void Compact()
        {
            KeyOrder.SelectSmallest(_keys[.._count], _k);
            _count = _k;
            ulong worstKept = _keys[0];
            foreach (ulong key in _keys[.._k])
            {
                worstKept = Math.Max(worstKept, key);
            }

            Threshold = Unpack(worstKept).Score;
        }
    }

    /// <summary>Packs a score and item so that ascending keys mean descending score, then ascending item.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong Pack(float score, int item)
    {
        // +0 and -0 compare equal as floats, so they must pack equally for ties to break by item.
        uint bits = score == 0f ? 0u : BitConverter.SingleToUInt32Bits(score);
        uint ascending = (bits & 0x8000_0000u) != 0 ? ~bits : bits | 0x8000_0000u;
        return ((ulong)~ascending << 32) | (uint)item;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static (float Score, int Item) Unpack(ulong key)
    {
        uint ascending = ~(uint)(key >> 32);
        uint bits = (ascending & 0x8000_0000u) != 0 ? ascending & 0x7FFF_FFFFu : ~ascending;
        return (BitConverter.UInt32BitsToSingle(bits), (int)(uint)key);
    }

    /// <summary>Linear-time partial ordering of distinct keys.</summary>
    private static class KeyOrder
    {
        /// <summary>Rearranges <paramref name="keys"/> so its first <paramref name="count"/> entries are the smallest (in any order).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void SelectSmallest(Span<ulong> keys, int count)
        {
            int left = 0;
            int right = keys.Length - 1;
            int target = count - 1;
            while (right > left)
            {
                if (right - left < 16)
                {
                    keys[left..(right + 1)].Sort();
                    return;
                }

                int middle = left + ((right - left) >> 1);
                ulong pivot = MedianOfThree(keys[left], keys[middle], keys[right]);
                int low = left;
                int high = right;
                while (low <= high)
                {
                    while (keys[low] < pivot)
                    {
                        low++;
                    }

                    while (keys[high] > pivot)
                    {
                        high--;
                    }

                    if (low <= high)
                    {
                        (keys[low], keys[high]) = (keys[high], keys[low]);
                        low++;
                        high--;
                    }
                }

                if (target <= high)
                {
                    right = high;
                }
                else if (target >= low)
                {
                    left = low;
                }
                else
                {
                    return;
                }
            }
        }

        private static ulong MedianOfThree(ulong a, ulong b, ulong c) =>
            a < b ? (b < c ? b : Math.Max(a, c)) : (a < c ? a : Math.Max(b, c));
    }
}
