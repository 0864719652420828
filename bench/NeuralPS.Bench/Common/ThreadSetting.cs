using System.Diagnostics;
using System.Globalization;

namespace NeuralPS.Bench.Common;

/// <summary><c>--threads N</c> for the bench commands, independent of how the engine sizes its worker team:
/// the engine (like the .NET thread pool) sizes itself from <see cref="Environment.ProcessorCount"/>, which
/// the runtime reads from DOTNET_PROCESSOR_COUNT at start-up, so a different count re-runs this command in
/// a child process with that variable set (once; the child sees the count it asked for).</summary>
public static class ThreadSetting
{
    /// <summary>Threads this process computes with.</summary>
    public static int Current => Environment.ProcessorCount;

    /// <summary>Returns the child's exit code when the command had to be re-run with another thread count,
    /// or null when this process already has <paramref name="threads"/> (or none was asked for).</summary>
    public static int? RerunIfNeeded(int? threads, IReadOnlyList<string> commandArgs)
    {
        if (threads is null || threads == Environment.ProcessorCount) return null;
        if (threads < 1) throw new ArgumentException($"--threads must be at least 1 but is {threads}.");
        if (Environment.GetEnvironmentVariable("DOTNET_PROCESSOR_COUNT") is not null)
            throw new InvalidOperationException($"--threads {threads} was asked for, but DOTNET_PROCESSOR_COUNT is already set and gives {Environment.ProcessorCount}.");
        string host = Environment.ProcessPath ?? throw new InvalidOperationException("Cannot find this process's executable to re-run it with another thread count.");
        var psi = new ProcessStartInfo(host) { UseShellExecute = false };
        // Under "dotnet NeuralPS.Bench.dll" the host needs the assembly path first; an apphost does not.
        if (Path.GetFileNameWithoutExtension(host).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
            psi.ArgumentList.Add(typeof(ThreadSetting).Assembly.Location);
        foreach (string a in commandArgs) psi.ArgumentList.Add(a);
        psi.Environment["DOTNET_PROCESSOR_COUNT"] = threads.Value.ToString(CultureInfo.InvariantCulture);
        using var child = Process.Start(psi) ?? throw new InvalidOperationException($"Could not start {host}.");
        child.WaitForExit();
        return child.ExitCode;
    }
}
