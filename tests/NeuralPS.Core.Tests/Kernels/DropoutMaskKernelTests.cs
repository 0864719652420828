using System.Numerics;
using NeuralPS.Core.Backends.Cpu;
using Xunit;

namespace NeuralPS.Core.Tests.Kernels;

/// <summary>The jumped, chained, threaded dropout mask must be the serial stream bit for bit (seeded runs,
/// checkpoints and weight hashes depend on it), and leave the generator where the serial loop leaves it.</summary>
public class DropoutMaskKernelTests
{
    private static XoshiroState Seeded(ulong seed)
    {
        var s = new NeuralRandom(seed).GetState();
        return new XoshiroState(s[0], s[1], s[2], s[3]);
    }

    [Fact]
    public void Polynomial_ForTwoTo128And192_IsTheOfficialJumpAndLongJump()
    {
        // xoshiro256**'s jump() and long_jump() constants (prng.di.unimi.it) are x^(2^128) and x^(2^192) mod p.
        Assert.Equal(new[] { 0x180ec6d33cfd0abaUL, 0xd5a61266f0c9392cUL, 0xa9582618e03fc9aaUL, 0x39abdc4529b1661cUL },
            XoshiroJump.Polynomial(BigInteger.One << 128));
        Assert.Equal(new[] { 0x76e15d3efefdcbbfUL, 0xc5004e441c522fb3UL, 0x77710069854ee241UL, 0x39109bb02acbe635UL },
            XoshiroJump.Polynomial(BigInteger.One << 192));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(63)]
    [InlineData(255)]
    [InlineData(256)]
    [InlineData(257)]
    [InlineData(1000)]
    [InlineData(6400)]
    [InlineData(51200)]
    [InlineData(102400)]
    [InlineData(123457)]
    public void Jump_EqualsThatManySteps(int n)
    {
        for (ulong seed = 1; seed <= 3; seed++)
        {
            var jumped = Seeded(seed);
            XoshiroJump.Jump(ref jumped, XoshiroJump.Polynomial(n));
            var stepped = Seeded(seed);
            for (int i = 0; i < n; i++) stepped.Next();
            Assert.Equal(stepped, jumped);
        }
    }

    [Fact]
    public void Jump_RandomLengths_EqualsThatManySteps()
    {
        var pick = new NeuralRandom(99);
        for (int k = 0; k < 20; k++)
        {
            int n = pick.NextInt(300_000);
            var jumped = Seeded((ulong)k);
            XoshiroJump.Jump(ref jumped, XoshiroJump.Polynomial(n));
            var stepped = Seeded((ulong)k);
            for (int i = 0; i < n; i++) stepped.Next();
            Assert.Equal(stepped, jumped);
        }
    }

    [Fact]
    public void Serial_IsTheNextUInt64Stream()
    {
        // The reference the chained paths are held to, itself held to NextUInt64 one draw at a time.
        const uint threshold = 5_000_000;
        var state = Seeded(7);
        var mask = new float[3001];
        DropoutMaskKernel.FillSerial(ref state, mask, threshold, 2.5f);
        var random = new NeuralRandom(7);
        for (int i = 0; i < mask.Length; i++)
            Assert.Equal((random.NextUInt64() >> 40) < threshold ? 0f : 2.5f, mask[i]);
        var after = random.GetState();
        Assert.Equal(new XoshiroState(after[0], after[1], after[2], after[3]), state);
    }

    private static readonly int[] Lengths =
    {
        1, 2, 3, 5, 31, 32, 33, 63, 64, 65, 127, 128, 129, 255, 256, 257, 1000, 4095, 4096, 4097,
        8191, 8192, 8193, 12345, 32767, 32768, 32769, 65535, 65536, 65537, 100003, 102400,
    };

    [Theory]
    [InlineData(128)]
    [InlineData(256)]
    [InlineData(512)]
    public void Chained_EqualsSerial_ForEveryLengthPartCountAndRate(int bits)
    {
        // A width this CPU lacks has nothing to run (the path would fault); the project machines have all three.
        var path = bits switch { 512 => DropoutMaskPath.Vector512, 256 => DropoutMaskPath.Vector256, _ => DropoutMaskPath.Vector128 };
        if (!(bits switch { 512 => Lanes512.IsSupported, 256 => Lanes256.IsSupported, _ => Lanes128.IsSupported })) return;
        var (minChained, forcedPath, forcedParts) = (DropoutMaskKernel.MinChainedLength, DropoutMaskKernel.ForcedPath, DropoutMaskKernel.ForcedParts);
        try
        {
            DropoutMaskKernel.MinChainedLength = 1; // every length takes the chained path, short ones included
            DropoutMaskKernel.ForcedPath = path;
            var rates = new (uint Threshold, float Keep)[]
            {
                (0, 1f), (1u << 23, 2f), ((uint)Math.Round(0.25 * (1 << 24)), 1f / 0.75f), (1u << 24, 0f), ((1u << 24) - 1, 1e6f), (1, 1.5f),
            };
            ulong seed = 0;
            foreach (int parts in new[] { 1, 2, 3 })
            {
                DropoutMaskKernel.ForcedParts = parts;
                foreach (int n in Lengths)
                {
                    foreach (var (threshold, keep) in rates)
                    {
                        seed++;
                        var expectedState = Seeded(seed);
                        var expected = new float[n];
                        DropoutMaskKernel.FillSerial(ref expectedState, expected, threshold, keep);
                        var state = Seeded(seed);
                        var mask = new float[n];
                        mask.AsSpan().Fill(float.NaN); // an element the kernel skipped cannot pass
                        DropoutMaskKernel.Fill(ref state, mask, threshold, keep);
                        for (int i = 0; i < n; i++)
                            if (BitConverter.SingleToInt32Bits(mask[i]) != BitConverter.SingleToInt32Bits(expected[i]))
                                Assert.Fail($"{path}, {parts} parts, length {n}, threshold {threshold}: element {i} is {mask[i]}, serial {expected[i]}.");
                        Assert.Equal(expectedState, state);

                        // Fused with the product: the same mask and state, and y = x ⊙ mask bit for bit.
                        var x = new float[n];
                        var pick = new NeuralRandom(seed);
                        for (int i = 0; i < n; i++) x[i] = (float)pick.NextGaussian() * 3f;
                        if (n > 2) { x[0] = float.NaN; x[n - 1] = float.NegativeInfinity; }
                        var y = new float[n];
                        y.AsSpan().Fill(float.NaN);
                        state = Seeded(seed);
                        mask.AsSpan().Fill(float.NaN);
                        DropoutMaskKernel.Fill(ref state, mask, threshold, keep, x, y);
                        for (int i = 0; i < n; i++)
                        {
                            if (BitConverter.SingleToInt32Bits(mask[i]) != BitConverter.SingleToInt32Bits(expected[i]))
                                Assert.Fail($"Fused, {path}, {parts} parts, length {n}, threshold {threshold}: mask element {i} is {mask[i]}, serial {expected[i]}.");
                            if (BitConverter.SingleToInt32Bits(y[i]) != BitConverter.SingleToInt32Bits(x[i] * expected[i]))
                                Assert.Fail($"Fused, {path}, {parts} parts, length {n}, threshold {threshold}: y[{i}] is {y[i]}, x·mask {x[i] * expected[i]}.");
                        }
                        Assert.Equal(expectedState, state);
                    }
                }
            }
        }
        finally
        {
            (DropoutMaskKernel.MinChainedLength, DropoutMaskKernel.ForcedPath, DropoutMaskKernel.ForcedParts) = (minChained, forcedPath, forcedParts);
        }
    }

    [Fact]
    public void NeuralRandomFill_AtTheDefaultSettings_IsTheDrawStream_AndKeepsTheGeneratorInStep()
    {
        // 102,400 elements: the seed CNN's first Dropout at batch 64, on whatever path this machine picks.
        const uint threshold = 1u << 22;
        var fast = new NeuralRandom(2024);
        var slow = new NeuralRandom(2024);
        fast.NextUInt64(); slow.NextUInt64();
        var mask = new float[102_400];
        for (int round = 0; round < 3; round++)
        {
            fast.FillDropoutMask(mask, threshold, 4f / 3f);
            for (int i = 0; i < mask.Length; i++)
            {
                float expected = (slow.NextUInt64() >> 40) < threshold ? 0f : 4f / 3f;
                if (mask[i] != expected) Assert.Fail($"Round {round}, element {i}: {mask[i]}, the draw stream says {expected}.");
            }
        }
        Assert.Equal(slow.GetState(), fast.GetState());
        Assert.Equal(slow.NextUInt64(), fast.NextUInt64());
    }
}
