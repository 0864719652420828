using System.Numerics;

using System.Runtime.CompilerServices;

namespace NeuralPS.Core;

/// <summary>xoshiro256** generator with an exportable state. Every random decision of a run (weight
/// init, shuffling, dropout masks) draws from a stream derived from the run's seed with
/// <see cref="Derive"/>, so a seed reproduces a run bit for bit, and the state can be checkpointed
/// (System.Random's state cannot).</summary>
public sealed class NeuralRandom
{
    private XoshiroState _state; // xoshiro256**: the one step lives in XoshiroState.Next
    private double? _spareGaussian;

    public NeuralRandom(ulong seed)
    {
        ulong x = seed;
        _state.S0 = SplitMix(ref x); _state.S1 = SplitMix(ref x); _state.S2 = SplitMix(ref x); _state.S3 = SplitMix(ref x);
    }

    /// <summary>An independent stream for a named purpose ("init", "shuffle", "dropout"), derived
    /// from a seed only (not from this stream's position), so adding draws elsewhere never shifts it.</summary>
    public static NeuralRandom Derive(ulong seed, string purpose, long index = 0)
    {
        ulong h = 14695981039346656037UL;
        foreach (char c in purpose) { h ^= c; h *= 1099511628211UL; }
        h ^= (ulong)index * 0x9E3779B97F4A7C15UL;
        return new NeuralRandom(seed ^ h);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong SplitMix(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong NextUInt64() => _state.Next();

    /// <summary>The dropout mask: mask[i] = 0 where the i-th draw's top 24 bits are below <paramref name="threshold"/>,
    /// else <paramref name="keep"/>; the same stream, and the same state afterwards, as one <see cref="NextUInt64"/>
    /// per element in order. Large masks run as jumped-ahead vector chains over the thread team
    /// (<see cref="Backends.Cpu.DropoutMaskKernel"/>), bit for bit the serial result.</summary>
    public void FillDropoutMask(Span<float> mask, uint threshold, float keep)
    {
        Backends.Cpu.DropoutMaskKernel.Fill(ref _state, mask, threshold, keep);
    }

    /// <summary><see cref="FillDropoutMask"/> with y = x ⊙ mask computed in the same pass (the CPU backend's dropout).</summary>
    internal void FillDropoutMask(Span<float> mask, uint threshold, float keep, ReadOnlySpan<float> x, Span<float> y) =>
        Backends.Cpu.DropoutMaskKernel.Fill(ref _state, mask, threshold, keep, x, y);

    /// <summary>Uniform in [0, 1) with 24 bits of precision.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float NextSingle() => (NextUInt64() >> 40) * (1.0f / (1 << 24));

    /// <summary>Uniform in [0, 1) with 53 bits of precision.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform integer in [0, maxExclusive) without modulo bias (Lemire's method).</summary>
    public int NextInt(int maxExclusive)
    {
        if (maxExclusive <= 0) throw new ArgumentOutOfRangeException(nameof(maxExclusive));
        ulong m = (ulong)(uint)maxExclusive;
        while (true)
        {
            ulong r = NextUInt64() >> 32;
            ulong prod = r * m;
            if ((uint)prod >= (uint)((0x1_0000_0000UL - m) % m)) return (int)(prod >> 32);
        }
    }

    /// <summary>Standard normal (Box–Muller, caching the second value).</summary>
    public double NextGaussian()
    {
        if (_spareGaussian is double s) { _spareGaussian = null; return s; }
        double u1, u2;
        do { u1 = NextDouble(); } while (u1 <= double.Epsilon);
        u2 = NextDouble();
        double r = Math.Sqrt(-2.0 * Math.Log(u1));
        _spareGaussian = r * Math.Sin(2 * Math.PI * u2);
        return r * Math.Cos(2 * Math.PI * u2);
    }

    /// <summary>Fisher–Yates shuffle in place.</summary>
    public void Shuffle(Span<int> items)
    {
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    /// <summary>The full generator state, for checkpoints.</summary>
    public ulong[] GetState() => new[] { _state.S0, _state.S1, _state.S2, _state.S3, _spareGaussian is double g ? BitConverter.DoubleToUInt64Bits(g) : 0UL, _spareGaussian.HasValue ? 1UL : 0UL };

    public void SetState(ReadOnlySpan<ulong> state)
    {
        if (state.Length != 6) throw new ModelFileException("Random state must have 6 words.");
        _state = new XoshiroState(state[0], state[1], state[2], state[3]);
        _spareGaussian = state[5] != 0 ? BitConverter.UInt64BitsToDouble(state[4]) : null;
    }
}
