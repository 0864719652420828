using System.Runtime.Intrinsics.X86;

namespace NeuralPS.Core.Backends.Cpu;

/// <summary>Data cache sizes of this machine's CPU, per core (L1d, L2) and per package (L3): from Linux's
/// /sys/devices/system/cpu/cpu0/cache when it is there, else from CPUID's deterministic cache leaves
/// (0x8000001D on AMD, 4 on Intel; containers often hide sysfs but not CPUID), else typical sizes.
/// <see cref="Source"/> says which. The SGEMM's cache blocking is derived from these (<see cref="SgemmBlocking"/>).</summary>
internal static class CacheInfo
{
    public static long L1Data { get; }
    public static long L2 { get; }
    public static long L3 { get; }
    public static string Source { get; }

    static CacheInfo()
    {
        long l1 = 0, l2 = 0, l3 = 0;
        string source = "defaults";
        try
        {
            if (FromSysfs(ref l1, ref l2, ref l3)) source = "sysfs";
            else if (FromCpuid(ref l1, ref l2, ref l3)) source = "cpuid";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or PlatformNotSupportedException)
        {
            l1 = l2 = l3 = 0;
        }
        L1Data = l1 > 0 ? l1 : 32 * 1024;
        L2 = l2 > 0 ? l2 : 512 * 1024;
        L3 = l3 > 0 ? l3 : 8L * 1024 * 1024;
        Source = source;
    }

    public static string Describe() => $"L1d {L1Data / 1024} KiB, L2 {L2 / 1024} KiB, L3 {L3 / (1024 * 1024)} MiB ({Source})";

    private static bool FromSysfs(ref long l1, ref long l2, ref long l3)
    {
        const string root = "/sys/devices/system/cpu/cpu0/cache";
        if (!Directory.Exists(root)) return false;
        foreach (var dir in Directory.GetDirectories(root, "index*"))
        {
            string type = File.ReadAllText(Path.Combine(dir, "type")).Trim();
            if (type == "Instruction") continue;
            int level = int.Parse(File.ReadAllText(Path.Combine(dir, "level")).Trim());
            string size = File.ReadAllText(Path.Combine(dir, "size")).Trim();
            long bytes = size.EndsWith('K') ? long.Parse(size[..^1]) * 1024 : size.EndsWith('M') ? long.Parse(size[..^1]) * 1024 * 1024 : long.Parse(size);
            if (level == 1) l1 = bytes; else if (level == 2) l2 = bytes; else if (level == 3) l3 = bytes;
        }
        return l1 > 0 && l2 > 0;
    }

    private static bool FromCpuid(ref long l1, ref long l2, ref long l3)
    {
        if (!X86Base.IsSupported) return false;
        var (_, vb, vc, vd) = X86Base.CpuId(0, 0);
        bool amd = vb == 0x68747541 && vd == 0x69746E65 && vc == 0x444D4163; // "AuthenticAMD"
        int leaf = amd ? unchecked((int)0x8000001D) : 4;
        if (amd && (uint)X86Base.CpuId(unchecked((int)0x80000000), 0).Eax < 0x8000001D) return false;
        for (int i = 0; i < 8; i++)
        {
            var (a, b, c, _) = X86Base.CpuId(leaf, i);
            int type = a & 0x1F;
            if (type == 0) break;
            if (type == 2) continue; // instruction cache
            int level = (a >> 5) & 0x7;
            long ways = ((b >> 22) & 0x3FF) + 1, partitions = ((b >> 12) & 0x3FF) + 1, line = (b & 0xFFF) + 1, sets = (long)(uint)c + 1;
            long bytes = ways * partitions * line * sets;
            if (level == 1) l1 = bytes; else if (level == 2) l2 = bytes; else if (level == 3) l3 = bytes;
        }
        if (l1 > 0 && l2 > 0) return true;
        // Hypervisors often zero the deterministic leaves but keep the legacy ones: 0x80000006 ECX[31:16] = L2 in
        // KiB (AMD and Intel); on AMD 0x80000005 ECX[31:24] = L1d in KiB and 0x80000006 EDX[31:18] = L3 in 512 KiB.
        if ((uint)X86Base.CpuId(unchecked((int)0x80000000), 0).Eax < 0x80000006) return false;
        var (_, _, c6, d6) = X86Base.CpuId(unchecked((int)0x80000006), 0);
        l2 = (long)((uint)c6 >> 16) * 1024;
        if (amd)
        {
            l1 = (long)((uint)X86Base.CpuId(unchecked((int)0x80000005), 0).Ecx >> 24) * 1024;
            l3 = (long)((uint)d6 >> 18) * 512 * 1024;
        }
        return l2 > 0;
    }
}
