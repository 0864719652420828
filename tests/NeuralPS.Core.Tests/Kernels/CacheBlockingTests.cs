using NeuralPS.Core.Backends.Cpu;
using Xunit;

namespace NeuralPS.Core.Tests.Kernels;

/// <summary>The SGEMM's A block is sized from the L2 cache the machine reports.</summary>
public class CacheBlockingTests
{
    [Theory]
    [InlineData(1024 * 1024, 240)]      // Zen 4/5: the measured best
    [InlineData(512 * 1024, 120)]       // Zen 2/3
    [InlineData(2 * 1024 * 1024, 480)]  // Sapphire Rapids, Raptor Cove
    [InlineData(256 * 1024, 60)]        // Skylake client
    [InlineData(64 * 1024, 48)]         // floor
    [InlineData(64L * 1024 * 1024, 960)] // ceiling
    public void The_A_block_takes_under_half_of_L2_in_whole_micro_tiles(long l2, int mc)
    {
        int got = SgemmBlocking.McFor(l2, 512);
        Assert.Equal(mc, got);
        Assert.Equal(0, got % 6);
    }

    [Fact]
    public void Cache_sizes_are_read_and_ordered()
    {
        Assert.Contains(CacheInfo.Source, new[] { "sysfs", "cpuid", "defaults" });
        Assert.True(CacheInfo.L1Data >= 4096 && CacheInfo.L2 > CacheInfo.L1Data, CacheInfo.Describe());
        Assert.Equal(SgemmBlocking.McFor(CacheInfo.L2, 512), SgemmBlocking.Mc);
    }
}
