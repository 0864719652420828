using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace NeuralPS.Core.Backends.Cpu;

internal enum DropoutMaskPath { Serial, Vector128, Vector256, Vector512 }

/// <summary>The dropout mask: mask[i] = 0 where the i-th xoshiro256** draw's top 24 bits are below the threshold,
/// else keep, and the generator left where mask.Length draws leave it: bit for bit the stream of one
/// <see cref="NeuralRandom.NextUInt64"/> per element (seeded runs, checkpoints and weight hashes depend on it).
///
/// The serial loop is latency-bound on the generator's dependency chain (~4 cycles per element). Here a mask is
/// cut into parts (one per thread of the team), a part into 2·W equal chains (W = vector lanes of ulong: 2 with
/// SSE2 or NEON, 4 with AVX2, 8 with AVX-512), each chain started at its offset in the stream by <see cref="XoshiroJump"/>, and the 2·W
/// chains step as two vectors of W lanes (xoshiro's step is shifts, xors and adds; ·5 and ·9 are shift-adds). The
/// draws of four steps are narrowed to their top 32 bits, compared and transposed in 128-bit lanes, so each store
/// writes four consecutive elements of one chain. The elements a part's 2·W·L chains leave over run serially from
/// the last chain's end state. The chain start states come from one serial walk of 256 steps whose states are
/// xored into 2·W vector accumulators (bit c of a cached table entry i says whether T^i contributes to chain c).
/// Measured (2-core AVX-512 machine, 102,400 elements, interleaved): serial 110-116 µs; AVX2 chains 41-43 µs on one
/// thread (0.37x), AVX-512 19-22 µs (0.18x); two threads on a quiet machine 29 / 15 µs. Below ~1,000 elements the
/// 256-step start walk (~1 µs) costs what the chains save, hence <see cref="MinChainedLength"/>.</summary>
internal static unsafe class DropoutMaskKernel
{
    /// <summary>Below this many elements the serial loop runs (the chain starts cost ~256 vector steps).</summary>
    internal static int MinChainedLength { get; set; } = 2048;

    /// <summary>Least elements per thread part (a part starts with its own 256-step chain start walk, and a
    /// worker's wake-up costs ~7 µs hot).</summary>
    internal static int MinPartLength { get; set; } = 32768;

    /// <summary>Tests: force a path or a number of parts (the result is the same for every choice).</summary>
    internal static DropoutMaskPath? ForcedPath { get; set; }
    internal static int ForcedParts { get; set; }

    public static DropoutMaskPath BestPath =>
        Lanes512.IsSupported ? DropoutMaskPath.Vector512 :
        Lanes256.IsSupported ? DropoutMaskPath.Vector256 :
        Lanes128.IsSupported ? DropoutMaskPath.Vector128 : DropoutMaskPath.Serial;

    /// <summary>The reference: one draw per element, in order, the state in locals (in the fields each draw would
    /// store and reload all four words).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void FillSerial(ref XoshiroState state, Span<float> mask, uint threshold, float keep)
    {
        var s = state;
        int keepBits = BitConverter.SingleToInt32Bits(keep);
        for (int i = 0; i < mask.Length; i++)
        {
            ulong result = s.Next();
            // Branch-free: a quarter of the draws dropping at random would mispredict a branch about as often.
            int dropped = (int)(((result >> 40) - threshold) >> 63); // 1 when below the threshold
            mask[i] = BitConverter.Int32BitsToSingle(keepBits & (dropped - 1));
        }
        state = s;
    }

    public static void Fill(ref XoshiroState state, Span<float> mask, uint threshold, float keep) =>
        Fill(ref state, mask, threshold, keep, default, default);

    /// <summary>The mask, and when <paramref name="x"/> is not empty also y = x ⊙ mask, in the same loop (each row of four
    /// mask elements is multiplied while in registers). A separate TensorPrimitives.Multiply over 102,400 elements took
    /// about as long as the AVX-512 mask (~20 µs: it re-reads the mask); fused, mask + product, interleaved at load
    /// average 6-11: AVX-512 0.82-0.89x, AVX2 0.78x (one thread) and 0.49x (two) the separate passes.</summary>
    public static void Fill(ref XoshiroState state, Span<float> mask, uint threshold, float keep, ReadOnlySpan<float> x, Span<float> y)
    {
        if (!x.IsEmpty && (x.Length != mask.Length || y.Length != mask.Length))
            throw new ArgumentException("The dropout input, mask and output must have the same length.");
        var path = ForcedPath ?? BestPath;
        if (path == DropoutMaskPath.Serial || mask.Length < MinChainedLength)
        {
            FillSerial(ref state, mask, threshold, keep);
            if (!x.IsEmpty) TensorPrimitives.Multiply(x, mask, y);
            return;
        }
        int parts = ForcedParts > 0 ? ForcedParts : Math.Clamp(mask.Length / MinPartLength, 1, ConvParallel.Threads);
        fixed (float* m = mask)
        fixed (float* px = x)
        fixed (float* py = y)
        {
            var job = new Job
            {
                Start = state, Mask = m, X = px, Y = py, Length = mask.Length, Parts = parts, Threshold = threshold, Keep = keep, Path = path,
            };
            if (parts == 1) RunParts(&job, 0, 1, 0);
            else ConvParallel.ForEachClaimed(parts, parts, &RunParts, &job);
            state = job.End;
        }
    }

    private struct Job
    {
        public XoshiroState Start, End;
        public float* Mask, X, Y; // X null: the mask only
        public int Length, Parts;
        public uint Threshold;
        public float Keep;
        public DropoutMaskPath Path;
    }

    private static void RunParts(void* p, int start, int end, int thread)
    {
        var job = (Job*)p;
        for (int part = start; part < end; part++)
        {
            int offset = (int)((long)job->Length * part / job->Parts);
            int length = (int)((long)job->Length * (part + 1) / job->Parts) - offset;
            float* x = job->X == null ? null : job->X + offset, y = job->Y == null ? null : job->Y + offset;
            var s = job->Path switch
            {
                DropoutMaskPath.Vector512 => FillChained<Lanes512, Vector512<ulong>, Vector512<float>>(job->Start, offset, job->Mask + offset, x, y, length, job->Threshold, job->Keep),
                DropoutMaskPath.Vector256 => FillChained<Lanes256, Vector256<ulong>, Vector256<float>>(job->Start, offset, job->Mask + offset, x, y, length, job->Threshold, job->Keep),
                _ => FillChained<Lanes128, Vector128<ulong>, Vector128<float>>(job->Start, offset, job->Mask + offset, x, y, length, job->Threshold, job->Keep),
            };
            if (part == job->Parts - 1) job->End = s;
        }
    }

    /// <summary>Elements [offset, offset + length) of the mask of a stream that starts at <paramref name="start"/>;
    /// returns the state after element offset + length − 1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static XoshiroState FillChained<TL, TU, TF>(XoshiroState start, int offset, float* dst, float* input, float* output, int length, uint threshold, float keep)
        where TL : struct, IMaskLanes<TU, TF> where TU : struct where TF : struct
    {
        int w = TL.Lanes, chains = 2 * w;
        // l ≡ 16 (mod 32): a multiple of 4 (the transposes write four elements of a chain at once) whose chain stride is
        // an odd number of cache lines, so the chains' store streams fall in different L1 sets. With l a multiple of
        // 1024 (16,384 or 65,536 elements, 16 chains) all 16 streams shared a set: 2.5x slower than at 8,192.
        int l = length / chains >= 16 ? ((length / chains - 16) & ~31) + 16 : 0;
        uint[] table = ChainStartTable(offset, l, chains);

        // Chain c starts at T^(offset + c·l)(start) = Σ_i bit c of table[i] · T^i(start).
        TU a0 = default, a1 = default, a2 = default, a3 = default, b0 = default, b1 = default, b2 = default, b3 = default;
        var x = start;
        for (int i = 0; i < 256; i++)
        {
            uint bits = table[i];
            TU ma = TL.MaskOfBits(bits), mb = TL.MaskOfBits(bits >> w);
            TU x0 = TL.Broadcast(x.S0), x1 = TL.Broadcast(x.S1), x2 = TL.Broadcast(x.S2), x3 = TL.Broadcast(x.S3);
            a0 = TL.XorAnd(a0, x0, ma); a1 = TL.XorAnd(a1, x1, ma); a2 = TL.XorAnd(a2, x2, ma); a3 = TL.XorAnd(a3, x3, ma);
            b0 = TL.XorAnd(b0, x0, mb); b1 = TL.XorAnd(b1, x1, mb); b2 = TL.XorAnd(b2, x2, mb); b3 = TL.XorAnd(b3, x3, mb);
            x.Next();
        }

        TF thr = TL.Threshold(threshold), keepV = TL.Keep(keep);
        nint ln = l, ww = w;
        for (nint i = 0; i < ln; i += 4)
        {
            TF v0 = TL.Mask(TL.Next(ref a0, ref a1, ref a2, ref a3), TL.Next(ref b0, ref b1, ref b2, ref b3), thr, keepV);
            TF v1 = TL.Mask(TL.Next(ref a0, ref a1, ref a2, ref a3), TL.Next(ref b0, ref b1, ref b2, ref b3), thr, keepV);
            TF v2 = TL.Mask(TL.Next(ref a0, ref a1, ref a2, ref a3), TL.Next(ref b0, ref b1, ref b2, ref b3), thr, keepV);
            TF v3 = TL.Mask(TL.Next(ref a0, ref a1, ref a2, ref a3), TL.Next(ref b0, ref b1, ref b2, ref b3), thr, keepV);
            TL.Transpose(ref v0, ref v1, ref v2, ref v3);
            // Row p, 128-bit lane q: chain 2q + (p & 1) + w·(p >> 1).
            float* d = dst + i;
            TL.StoreRow(v0, d, ln);
            TL.StoreRow(v1, d + ln, ln);
            TL.StoreRow(v2, d + ww * ln, ln);
            TL.StoreRow(v3, d + (ww + 1) * ln, ln);
            if (input != null)
            {
                float* xi = input + i, yi = output + i;
                TL.MultiplyRow(v0, xi, yi, ln);
                TL.MultiplyRow(v1, xi + ln, yi + ln, ln);
                TL.MultiplyRow(v2, xi + ww * ln, yi + ww * ln, ln);
                TL.MultiplyRow(v3, xi + (ww + 1) * ln, yi + (ww + 1) * ln, ln);
            }
        }

        // The last chain ends where the serial rest begins.
        var s = new XoshiroState(TL.Last(b0), TL.Last(b1), TL.Last(b2), TL.Last(b3));
        int done = chains * l;
        var rest = new Span<float>(dst + done, length - done);
        FillSerial(ref s, rest, threshold, keep);
        if (input != null) TensorPrimitives.Multiply(new ReadOnlySpan<float>(input + done, rest.Length), rest, new Span<float>(output + done, rest.Length));
        return s;
    }

    private static readonly Dictionary<(int Offset, int Length, int Chains), uint[]> s_tables = new();

    /// <summary>Entry i, bit c: coefficient i of x^(offset + c·length) mod p. Cached: a network's masks repeat
    /// their sizes every step (at most 64 kept; a new size costs ~chains·20 µs once).</summary>
    private static uint[] ChainStartTable(int offset, int length, int chains)
    {
        lock (s_tables)
        {
            if (s_tables.TryGetValue((offset, length, chains), out var table)) return table;
            table = new uint[256];
            for (int c = 0; c < chains; c++)
            {
                ulong[] r = XoshiroJump.Polynomial(offset + (long)c * length);
                for (int i = 0; i < 256; i++) table[i] |= (uint)((r[i >> 6] >> (i & 63)) & 1) << c;
            }
            if (s_tables.Count >= 64) s_tables.Clear();
            s_tables.Add((offset, length, chains), table);
            return table;
        }
    }
}

/// <summary>One vector width of the chained mask loop: TU holds one state word (or draw) of W chains, TF the masks
/// of 2·W chains.</summary>
internal unsafe interface IMaskLanes<TU, TF> where TU : struct where TF : struct
{
    static abstract int Lanes { get; }
    static abstract TU Broadcast(ulong value);
    /// <summary>Lane k all ones where bit k of <paramref name="bits"/> is set.</summary>
    static abstract TU MaskOfBits(uint bits);
    /// <summary>acc ^ (x &amp; mask).</summary>
    static abstract TU XorAnd(TU acc, TU x, TU mask);
    /// <summary>The last lane.</summary>
    static abstract ulong Last(TU v);
    /// <summary>One xoshiro256** step of every lane; returns the draws.</summary>
    static abstract TU Next(ref TU s0, ref TU s1, ref TU s2, ref TU s3);
    static abstract TF Threshold(uint threshold);
    static abstract TF Keep(float keep);
    /// <summary>The masks of the draws <paramref name="a"/> (chains 0..W−1) and <paramref name="b"/> (W..2W−1);
    /// 128-bit lane q holds chains 2q, 2q+1, W+2q, W+2q+1.</summary>
    static abstract TF Mask(TU a, TU b, TF threshold, TF keep);
    /// <summary>4×4 transpose inside every 128-bit lane.</summary>
    static abstract void Transpose(ref TF v0, ref TF v1, ref TF v2, ref TF v3);
    /// <summary>128-bit lane q to <paramref name="d"/> + 2q·<paramref name="stride"/>.</summary>
    static abstract void StoreRow(TF v, float* d, nint stride);
    /// <summary>y = x ⊙ (128-bit lane q) at offset 2q·<paramref name="stride"/>.</summary>
    static abstract void MultiplyRow(TF v, float* x, float* y, nint stride);
}

/// <summary>The 128-bit width (SSE2 on x64 without AVX2, NEON on ARM64): two chains per vector, four in all, one
/// 128-bit lane.</summary>
internal readonly unsafe struct Lanes128 : IMaskLanes<Vector128<ulong>, Vector128<float>>
{
    public static bool IsSupported => (Sse2.IsSupported || AdvSimd.Arm64.IsSupported) && Vector128.IsHardwareAccelerated;
    public static int Lanes => 2;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<ulong> Broadcast(ulong value) => Vector128.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<ulong> MaskOfBits(uint bits)
    {
        var lane = Vector128.Create(1UL, 2);
        return Vector128.Equals(Vector128.Create((ulong)bits) & lane, lane);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<ulong> XorAnd(Vector128<ulong> acc, Vector128<ulong> x, Vector128<ulong> mask) => acc ^ (x & mask);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Last(Vector128<ulong> v) => v.GetElement(1);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<ulong> Next(ref Vector128<ulong> s0, ref Vector128<ulong> s1, ref Vector128<ulong> s2, ref Vector128<ulong> s3)
    {
        var x = s1 + (s1 << 2);           // ·5
        x = (x << 7) | (x >>> 57);
        var result = x + (x << 3);        // ·9
        var t = s1 << 17;
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t;
        s3 = (s3 << 45) | (s3 >>> 19);
        return result;
    }

    public static Vector128<float> Threshold(uint threshold) => Vector128.Create((int)threshold).AsSingle();
    public static Vector128<float> Keep(float keep) => Vector128.Create(keep);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Mask(Vector128<ulong> a, Vector128<ulong> b, Vector128<float> threshold, Vector128<float> keep)
    {
        // The high words of the draws (chains 0, 1 from a, 2, 3 from b); their top 24 bits are the uniform.
        var high = Vector128.Narrow(a >>> 32, b >>> 32) >>> 8;
        var dropped = Vector128.GreaterThan(threshold.AsInt32(), high.AsInt32());
        return Vector128.AndNot(keep, dropped.AsSingle());
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Transpose(ref Vector128<float> v0, ref Vector128<float> v1, ref Vector128<float> v2, ref Vector128<float> v3)
    {
        if (Sse2.IsSupported)
        {
            var t0 = Sse.UnpackLow(v0, v1).AsDouble();
            var t1 = Sse.UnpackHigh(v0, v1).AsDouble();
            var t2 = Sse.UnpackLow(v2, v3).AsDouble();
            var t3 = Sse.UnpackHigh(v2, v3).AsDouble();
            v0 = Sse2.UnpackLow(t0, t2).AsSingle();
            v1 = Sse2.UnpackHigh(t0, t2).AsSingle();
            v2 = Sse2.UnpackLow(t1, t3).AsSingle();
            v3 = Sse2.UnpackHigh(t1, t3).AsSingle();
        }
        else
        {
            var t0 = AdvSimd.Arm64.ZipLow(v0, v1).AsDouble();
            var t1 = AdvSimd.Arm64.ZipHigh(v0, v1).AsDouble();
            var t2 = AdvSimd.Arm64.ZipLow(v2, v3).AsDouble();
            var t3 = AdvSimd.Arm64.ZipHigh(v2, v3).AsDouble();
            v0 = AdvSimd.Arm64.ZipLow(t0, t2).AsSingle();
            v1 = AdvSimd.Arm64.ZipHigh(t0, t2).AsSingle();
            v2 = AdvSimd.Arm64.ZipLow(t1, t3).AsSingle();
            v3 = AdvSimd.Arm64.ZipHigh(t1, t3).AsSingle();
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreRow(Vector128<float> v, float* d, nint stride) => v.Store(d);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void MultiplyRow(Vector128<float> v, float* x, float* y, nint stride) => (v * Vector128.Load(x)).Store(y);
}

internal readonly unsafe struct Lanes256 : IMaskLanes<Vector256<ulong>, Vector256<float>>
{
    public static bool IsSupported => Avx2.IsSupported && Vector256.IsHardwareAccelerated;
    public static int Lanes => 4;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<ulong> Broadcast(ulong value) => Vector256.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<ulong> MaskOfBits(uint bits)
    {
        var lane = Vector256.Create(1UL, 2, 4, 8);
        return Vector256.Equals(Vector256.Create((ulong)bits) & lane, lane);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<ulong> XorAnd(Vector256<ulong> acc, Vector256<ulong> x, Vector256<ulong> mask) => acc ^ (x & mask);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Last(Vector256<ulong> v) => v.GetElement(3);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<ulong> Next(ref Vector256<ulong> s0, ref Vector256<ulong> s1, ref Vector256<ulong> s2, ref Vector256<ulong> s3)
    {
        var x = s1 + (s1 << 2);           // ·5
        x = (x << 7) | (x >>> 57);
        var result = x + (x << 3);        // ·9
        var t = s1 << 17;
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t;
        s3 = (s3 << 45) | (s3 >>> 19);
        return result;
    }

    public static Vector256<float> Threshold(uint threshold) => Vector256.Create((int)threshold).AsSingle();
    public static Vector256<float> Keep(float keep) => Vector256.Create(keep);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Mask(Vector256<ulong> a, Vector256<ulong> b, Vector256<float> threshold, Vector256<float> keep)
    {
        // The high words of the draws; their top 24 bits are the uniform (< 2^24, so the signed compare is exact).
        var high = Avx.Shuffle(a.AsSingle(), b.AsSingle(), 0b11_01_11_01).AsUInt32() >>> 8;
        var dropped = Vector256.GreaterThan(threshold.AsInt32(), high.AsInt32());
        return Vector256.AndNot(keep, dropped.AsSingle());
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Transpose(ref Vector256<float> v0, ref Vector256<float> v1, ref Vector256<float> v2, ref Vector256<float> v3)
    {
        var t0 = Avx.UnpackLow(v0, v1).AsDouble();
        var t1 = Avx.UnpackHigh(v0, v1).AsDouble();
        var t2 = Avx.UnpackLow(v2, v3).AsDouble();
        var t3 = Avx.UnpackHigh(v2, v3).AsDouble();
        v0 = Avx.UnpackLow(t0, t2).AsSingle();
        v1 = Avx.UnpackHigh(t0, t2).AsSingle();
        v2 = Avx.UnpackLow(t1, t3).AsSingle();
        v3 = Avx.UnpackHigh(t1, t3).AsSingle();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreRow(Vector256<float> v, float* d, nint stride)
    {
        v.GetLower().Store(d);
        v.GetUpper().Store(d + 2 * stride);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void MultiplyRow(Vector256<float> v, float* x, float* y, nint stride)
    {
        (v.GetLower() * Vector128.Load(x)).Store(y);
        (v.GetUpper() * Vector128.Load(x + 2 * stride)).Store(y + 2 * stride);
    }
}

internal readonly unsafe struct Lanes512 : IMaskLanes<Vector512<ulong>, Vector512<float>>
{
    public static bool IsSupported => Avx512F.IsSupported && Vector512.IsHardwareAccelerated;
    public static int Lanes => 8;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<ulong> Broadcast(ulong value) => Vector512.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<ulong> MaskOfBits(uint bits)
    {
        var lane = Vector512.Create(1UL, 2, 4, 8, 16, 32, 64, 128);
        return Vector512.Equals(Vector512.Create((ulong)(bits & 0xFF)) & lane, lane);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<ulong> XorAnd(Vector512<ulong> acc, Vector512<ulong> x, Vector512<ulong> mask) => acc ^ (x & mask);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Last(Vector512<ulong> v) => v.GetElement(7);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<ulong> Next(ref Vector512<ulong> s0, ref Vector512<ulong> s1, ref Vector512<ulong> s2, ref Vector512<ulong> s3)
    {
        var x = Avx512F.RotateLeft(s1 + (s1 << 2), 7); // ·5, rotate
        var result = x + (x << 3);                      // ·9
        var t = s1 << 17;
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t;
        s3 = Avx512F.RotateLeft(s3, 45);
        return result;
    }

    public static Vector512<float> Threshold(uint threshold) => Vector512.Create((int)threshold).AsSingle();
    public static Vector512<float> Keep(float keep) => Vector512.Create(keep);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Mask(Vector512<ulong> a, Vector512<ulong> b, Vector512<float> threshold, Vector512<float> keep)
    {
        var high = Avx512F.Shuffle(a.AsSingle(), b.AsSingle(), 0b11_01_11_01).AsUInt32() >>> 8;
        var dropped = Vector512.GreaterThan(threshold.AsInt32(), high.AsInt32());
        return Vector512.AndNot(keep, dropped.AsSingle());
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Transpose(ref Vector512<float> v0, ref Vector512<float> v1, ref Vector512<float> v2, ref Vector512<float> v3)
    {
        var t0 = Avx512F.UnpackLow(v0, v1).AsDouble();
        var t1 = Avx512F.UnpackHigh(v0, v1).AsDouble();
        var t2 = Avx512F.UnpackLow(v2, v3).AsDouble();
        var t3 = Avx512F.UnpackHigh(v2, v3).AsDouble();
        v0 = Avx512F.UnpackLow(t0, t2).AsSingle();
        v1 = Avx512F.UnpackHigh(t0, t2).AsSingle();
        v2 = Avx512F.UnpackLow(t1, t3).AsSingle();
        v3 = Avx512F.UnpackHigh(t1, t3).AsSingle();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreRow(Vector512<float> v, float* d, nint stride)
    {
        Avx512F.ExtractVector128(v, 0).Store(d);
        Avx512F.ExtractVector128(v, 1).Store(d + 2 * stride);
        Avx512F.ExtractVector128(v, 2).Store(d + 4 * stride);
        Avx512F.ExtractVector128(v, 3).Store(d + 6 * stride);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void MultiplyRow(Vector512<float> v, float* x, float* y, nint stride)
    {
        (Avx512F.ExtractVector128(v, 0) * Vector128.Load(x)).Store(y);
        (Avx512F.ExtractVector128(v, 1) * Vector128.Load(x + 2 * stride)).Store(y + 2 * stride);
        (Avx512F.ExtractVector128(v, 2) * Vector128.Load(x + 4 * stride)).Store(y + 4 * stride);
        (Avx512F.ExtractVector128(v, 3) * Vector128.Load(x + 6 * stride)).Store(y + 6 * stride);
    }
}
