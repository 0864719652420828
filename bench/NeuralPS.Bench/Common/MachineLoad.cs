using System.Globalization;

namespace NeuralPS.Bench.Common;

/// <summary>What else the machine was doing when a number was taken: the 1-minute load average and the
/// mean current CPU clock (the clock drifts 2.0–2.6 GHz here, so only ratios from one run compare).</summary>
public static class MachineLoad
{
    public static double? LoadAverage1()
    {
        try
        {
            string[] parts = File.ReadAllText("/proc/loadavg").Split(' ');
            return double.Parse(parts[0], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    public static double? CpuMegahertz()
    {
        try
        {
            double sum = 0;
            int n = 0;
            foreach (string line in File.ReadLines("/proc/cpuinfo"))
            {
                if (!line.StartsWith("cpu MHz", StringComparison.Ordinal)) continue;
                int colon = line.IndexOf(':');
                if (colon > 0 && double.TryParse(line[(colon + 1)..].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double mhz))
                {
                    sum += mhz;
                    n++;
                }
            }
            return n == 0 ? null : Math.Round(sum / n);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
