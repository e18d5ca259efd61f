namespace Recommender.Core.Preprocessing;

/// <summary>
/// MT19937 seeded and turned into doubles exactly as NumPy's legacy <c>np.random.seed(seed)</c> followed by
/// <c>np.random.rand(n)</c>: the 32-bit seed initialises the state (Knuth's multiplier 1812433253), and each double
/// takes 53 bits from two draws, <c>((a &gt;&gt; 5) * 2^26 + (b &gt;&gt; 6)) / 2^53</c>. That lets the stratified split
/// draw the same random numbers as the Microsoft Recommenders splitters.
/// </summary>
internal sealed class LegacyMersenneTwister
{
    private const int StateLength = 624;
    private const int Shift = 397;
    private const uint MatrixA = 0x9908b0dfU;
    private const uint UpperMask = 0x80000000U;
    private const uint LowerMask = 0x7fffffffU;

    private readonly uint[] _state = new uint[StateLength];
    private int _position;

    public LegacyMersenneTwister(uint seed)
    {
        _state[0] = seed;
        for (int index = 1; index < StateLength; index++)
        {
            uint previous = _state[index - 1];
            _state[index] = unchecked((1812433253U * (previous ^ (previous >> 30))) + (uint)index);
        }

        _position = StateLength;
    }

    /// <summary>The next 32 random bits.</summary>
    public uint NextUInt32()
    {
        if (_position >= StateLength)
        {
            Regenerate();
        }

        uint value = _state[_position++];
        value ^= value >> 11;
        value ^= (value << 7) & 0x9d2c5680U;
        value ^= (value << 15) & 0xefc60000U;
        value ^= value >> 18;
        return value;
    }

    /// <summary>A double in [0, 1) with 53 random bits, as NumPy's <c>random_sample</c> makes it.</summary>
    public double NextDouble()
    {
        uint high = NextUInt32() >> 5;
        uint low = NextUInt32() >> 6;
        return ((high * 67108864.0) + low) / 9007199254740992.0;
    }

    private void Regenerate()
    {
        uint[] state = _state;
        int index = 0;
        for (; index < StateLength - Shift; index++)
        {
            uint bits = (state[index] & UpperMask) | (state[index + 1] & LowerMask);
            state[index] = state[index + Shift] ^ (bits >> 1) ^ ((bits & 1U) * MatrixA);
        }

        for (; index < StateLength - 1; index++)
        {
            uint bits = (state[index] & UpperMask) | (state[index + 1] & LowerMask);
            state[index] = state[index + Shift - StateLength] ^ (bits >> 1) ^ ((bits & 1U) * MatrixA);
        }

        uint last = (state[StateLength - 1] & UpperMask) | (state[0] & LowerMask);
        state[StateLength - 1] = state[Shift - 1] ^ (last >> 1) ^ ((last & 1U) * MatrixA);
        _position = 0;
    }
}
