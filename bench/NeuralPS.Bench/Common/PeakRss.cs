using System.Diagnostics;
using System.Globalization;

namespace NeuralPS.Bench.Common;

/// <summary>Peak resident set size of this process, the same quantity as Python's
/// resource.getrusage(RUSAGE_SELF).ru_maxrss: Linux's VmHWM ("high water mark") from /proc/self/status.</summary>
public static class PeakRss
{
    public static double Megabytes()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/self/status"))
            {
                if (!line.StartsWith("VmHWM:", StringComparison.Ordinal)) continue;
                string kb = line["VmHWM:".Length..].Trim();
                if (kb.EndsWith("kB", StringComparison.Ordinal)) kb = kb[..^2].Trim();
                return Math.Round(long.Parse(kb, CultureInfo.InvariantCulture) / 1024.0, 1);
            }
        }
        catch (IOException)
        {
            // Not Linux: fall through to the portable (less exact) counter.
        }
        catch (UnauthorizedAccessException)
        {
        }
        using var self = Process.GetCurrentProcess();
        return Math.Round(self.PeakWorkingSet64 / (1024.0 * 1024.0), 1);
    }
}
