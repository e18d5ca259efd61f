using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Recommender.Core.Scoring;

/// <summary>
/// Picks the K best entries of a score row without sorting it, in two cheap passes. First a
/// vertical SIMD max over the row gives the maxima of max(2K, 64) interleaved groups; the K-th
/// largest of those maxima is a real score with at least K scores at or above it, so it is a safe
/// starting threshold that usually admits only a little more than K entries. Then a SIMD scan
/// compares whole blocks against the threshold and appends only the entries above it to a small
/// candidate buffer; if the buffer fills, a linear-time selection keeps the K best and raises the
/// threshold. Candidates are packed as one 64-bit key (score descending, then item ascending), so
/// every comparison is a single integer compare and ties break deterministically toward the lower
/// item index. <c>-inf</c> (excluded items) and NaN never qualify.
/// </summary>
internal static class TopKSelection
{
    /// <summary>Length of the scratch buffer <see cref="SelectRow"/> needs for <paramref name="k"/>.</summary>
    public static int ScratchLength(int k) => Math.Max(CandidateCapacity(k), GroupCount(k)) + (GroupCount(k) / 2);

    private static int CandidateCapacity(int k) => Math.Max(2 * k, k + 64);

    /// <summary>Groups whose maxima seed the threshold: enough that their K-th largest is close to the row's K-th largest.</summary>
    private static int GroupCount(int k) => (int)Math.Min(1 << 20, ((Math.Max(2L * k, 64) + 15) / 16) * 16);

    /// <summary>
    /// Writes the best <c>min(k, qualifying)</c> entries of <paramref name="scores"/> into
    /// <paramref name="items"/> and <paramref name="bestScores"/>, best first, and returns how many.
    /// </summary>
    /// <param name="scores">One user's scores, indexed by item.</param>
    /// <param name="k">How many to keep.</param>
    /// <param name="scratch">Scratch space of at least <see cref="ScratchLength"/>(<paramref name="k"/>).</param>
    /// <param name="items">Receives the item indices, best first.</param>
    /// <param name="bestScores">Receives the scores, aligned with <paramref name="items"/>.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int SelectRow(ReadOnlySpan<float> scores, int k, Span<ulong> scratch, Span<int> items, Span<float> bestScores)
    {
        if (k <= 0 || scores.IsEmpty)
        {
            return 0;
        }

        int groups = GroupCount(k);
        var keys = scratch[..Math.Max(CandidateCapacity(k), groups)];
        var groupMaxima = MemoryMarshal.Cast<ulong, float>(scratch.Slice(keys.Length, groups / 2));
        float floor = EstimateThreshold(scores, k, keys, groupMaxima);

        // Scores equal to the estimate may belong to the top K, so start just below it.
        var buffer = new CandidateBuffer(keys[..CandidateCapacity(k)], k, floor > float.NegativeInfinity ? MathF.BitDecrement(floor) : floor);
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

    /// <summary>
    /// The K-th largest of interleaved group maxima: each maximum is a qualifying score, so at least K
    /// scores are at or above the result. Returns <c>-inf</c> when the row is too short to be worth it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float EstimateThreshold(ReadOnlySpan<float> scores, int k, Span<ulong> keys, Span<float> groupMaxima)
    {
        if (!Vector.IsHardwareAccelerated || scores.Length < 2 * groupMaxima.Length)
        {
            return float.NegativeInfinity;
        }

        var accumulators = MemoryMarshal.Cast<float, Vector<float>>(groupMaxima);
        var vectors = MemoryMarshal.Cast<float, Vector<float>>(scores);
        accumulators.Fill(new Vector<float>(float.NegativeInfinity));
        int groupVectors = accumulators.Length;
        int vector = 0;
        for (; vector + groupVectors <= vectors.Length; vector += groupVectors)
        {
            for (int group = 0; group < groupVectors; group++)
            {
                accumulators[group] = Vector.Max(accumulators[group], vectors[vector + group]);
            }
        }

        for (int group = 0; vector < vectors.Length; vector++, group++)
        {
            accumulators[group] = Vector.Max(accumulators[group], vectors[vector]);
        }

        // A group whose maximum is NaN is skipped: the others still bound the K-th score from below.
        int count = 0;
        for (int group = 0; group < groupMaxima.Length; group++)
        {
            float maximum = groupMaxima[group];
            if (maximum > float.NegativeInfinity)
            {
                keys[count++] = Pack(maximum, group);
            }
        }

        if (count < k)
        {
            return float.NegativeInfinity;
        }

        KeyOrder.SelectSmallest(keys[..count], k);
        ulong kth = keys[0];
        foreach (ulong key in keys[..k])
        {
            kth = Math.Max(kth, key);
        }

        return Unpack(kth).Score;
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
            var threshold = Vector512.Create(buffer.Threshold);
            if (Vector512.GreaterThanAny(block, threshold))
            {
                OfferMarked(scores, position, Vector512.GreaterThan(block, threshold).ExtractMostSignificantBits(), ref buffer);
            }
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
            var threshold = Vector256.Create(buffer.Threshold);
            if (Vector256.GreaterThanAny(block, threshold))
            {
                OfferMarked(scores, position, Vector256.GreaterThan(block, threshold).ExtractMostSignificantBits(), ref buffer);
            }
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
            var threshold = Vector128.Create(buffer.Threshold);
            if (Vector128.GreaterThanAny(block, threshold))
            {
                OfferMarked(scores, position, Vector128.GreaterThan(block, threshold).ExtractMostSignificantBits(), ref buffer);
            }
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
    private ref struct CandidateBuffer(Span<ulong> keys, int k, float threshold)
    {
        private readonly Span<ulong> _keys = keys;
        private readonly int _k = k;
        private int _count;

        /// <summary>Scores must be strictly above this to matter: just below the estimate at first, then the K-th best kept.</summary>
        public float Threshold { get; private set; } = threshold;

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
            while (right - left >= 16)
            {
                int middle = left + ((right - left) >> 1);
                int pivotAt = MedianOfThree(keys, left, middle, right);
                (keys[pivotAt], keys[right]) = (keys[right], keys[pivotAt]);
                ulong pivot = keys[right];

                // Branch-free partition: every element is swapped, and the boundary moves by the comparison's result.
                int boundary = left;
                for (int position = left; position < right; position++)
                {
                    ulong key = keys[position];
                    keys[position] = keys[boundary];
                    keys[boundary] = key;
                    boundary += key < pivot ? 1 : 0;
                }

                keys[right] = keys[boundary];
                keys[boundary] = pivot;
                if (boundary == target)
                {
                    return;
                }

                if (target < boundary)
                {
                    right = boundary - 1;
                }
                else
                {
                    left = boundary + 1;
                }
            }

            if (right > left)
            {
                keys[left..(right + 1)].Sort();
            }
        }

        private static int MedianOfThree(Span<ulong> keys, int a, int b, int c)
        {
            ulong x = keys[a];
            ulong y = keys[b];
            ulong z = keys[c];
            if (x < y)
            {
                return y < z ? b : (x < z ? c : a);
            }

            return x < z ? a : (y < z ? c : b);
        }
    }
}
