using System.Diagnostics;
using System.Runtime.InteropServices;
using Xunit;

namespace NeuralPS.Core.Tests.Distributed;

/// <summary>Open MPI's mpirun on PATH (Debian's openmpi-bin, installed by .ci/run). Tests that launch ranks use
/// <see cref="MpiFactAttribute"/> and are skipped, with the reason, where it is absent.</summary>
internal static class MpiRun
{
    private static readonly Lazy<string?> Executable = new(() =>
    {
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, "mpirun");
            if (File.Exists(candidate)) return RealPath(candidate);
        }
        return null;
    });

    // Open MPI derives its install prefix from mpirun's path: through a /bin -> usr/bin link it would take "/"
    // and refuse to start, so the links are resolved first.
    [DllImport("libc", EntryPoint = "realpath")]
    private static extern IntPtr RealPathNative(string path, IntPtr resolved);

    [DllImport("libc", EntryPoint = "free")]
    private static extern void Free(IntPtr pointer);

    private static string RealPath(string path)
    {
        IntPtr resolved = RealPathNative(path, IntPtr.Zero);
        if (resolved == IntPtr.Zero) return path;
        try { return Marshal.PtrToStringUTF8(resolved) ?? path; }
        finally { Free(resolved); }
    }

    // Only mpirun is looked for: libmpi is loaded by the ranks, never into the test process (a broken libmpi beside
    // a working mpirun is a failure to see, not a reason to skip).
    public static string? SkipReason =>
        Executable.Value is null ? "mpirun is not installed (apt-get install -y openmpi-bin libopenmpi-dev); the distributed-training tests launch 2 ranks with it."
        : null;

    /// <summary>The bench executable built beside this test assembly's configuration (bench/NeuralPS.Bench).</summary>
    public static string Bench
    {
        get
        {
            string config = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name; // bin/<config>/net10.0/
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (!File.Exists(Path.Combine(dir.FullName, "NeuralPS.sln"))) continue;
                string exe = Path.Combine(dir.FullName, "bench", "NeuralPS.Bench", "bin", config, "net10.0", "NeuralPS.Bench");
                Assert.True(File.Exists(exe), $"the bench executable is not built: {exe}");
                return exe;
            }
            throw new InvalidOperationException("NeuralPS.sln not found above " + AppContext.BaseDirectory);
        }
    }

    /// <summary>Runs <paramref name="program"/> (alone when <paramref name="ranks"/> is 0, else under
    /// mpirun --oversubscribe -n ranks); returns stdout; fails the test on a non-zero exit or after 3 minutes.</summary>
    public static string Start(int ranks, string program, params string[] arguments)
    {
        var psi = new ProcessStartInfo(ranks > 0 ? Executable.Value! : program)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        if (ranks > 0)
        {
            foreach (string a in new[] { "--oversubscribe", "--bind-to", "none", "-n", ranks.ToString(System.Globalization.CultureInfo.InvariantCulture), program })
                psi.ArgumentList.Add(a);
        }
        foreach (string a in arguments) psi.ArgumentList.Add(a);
        // CI runs as root in a container; mpirun refuses root without these.
        psi.Environment["OMPI_ALLOW_RUN_AS_ROOT"] = "1";
        psi.Environment["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1";
        // One kernel thread per process, alone and per rank: two ranks share this machine's cores (and the
        // comparison holds the thread count equal on both sides).
        psi.Environment["NEURALPS_NUM_THREADS"] = "1";
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(180_000))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"{psi.FileName} {string.Join(' ', psi.ArgumentList)} did not finish in 3 minutes. stderr: {stderr.Result}");
        }
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"{psi.FileName} {string.Join(' ', psi.ArgumentList)} exited with {p.ExitCode}.\nstdout: {stdout.Result}\nstderr: {stderr.Result}");
        return stdout.Result;
    }
}

public sealed class MpiFactAttribute : FactAttribute
{
    public MpiFactAttribute()
    {
        if (MpiRun.SkipReason is string reason) Skip = reason;
    }
}
