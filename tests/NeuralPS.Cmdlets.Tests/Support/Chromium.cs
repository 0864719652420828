using System.Diagnostics;
using Xunit;

namespace NeuralPS.Cmdlets.Tests.Support;

/// <summary>Headless Chromium (Debian's chromium package, installed by .ci/run), found on PATH or through
/// $NEURALPS_CHROMIUM. Tests that need it use <see cref="ChromiumFactAttribute"/> and are skipped, with the
/// reason, where it is absent.</summary>
internal static class Chromium
{
    private static readonly Lazy<string?> Executable = new(() =>
    {
        if (Environment.GetEnvironmentVariable("NEURALPS_CHROMIUM") is { Length: > 0 } explicitPath && File.Exists(explicitPath)) return explicitPath;
        foreach (string name in new[] { "chromium", "chromium-browser", "google-chrome", "google-chrome-stable" })
            foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            {
                string candidate = Path.Combine(dir, name);
                if (File.Exists(candidate)) return candidate;
            }
        return null;
    });

    public static string? Path_ => Executable.Value;

    public static string? SkipReason => Executable.Value is null
        ? "Chromium is not installed (apt-get install -y chromium, or set NEURALPS_CHROMIUM); the report's rendering test needs a headless browser."
        : null;

    /// <summary>Runs headless Chromium on <paramref name="file"/> with <paramref name="arguments"/>; returns stdout.
    /// The profile lives in a fresh temporary folder; the browser is killed after <paramref name="timeout"/>.</summary>
    public static string Run(string file, TimeSpan timeout, params string[] arguments)
    {
        string profile = Path.Combine(Path.GetTempPath(), "nps-chromium-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(profile);
        try
        {
            var psi = new ProcessStartInfo(Executable.Value!)
            {
                RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            };
            foreach (string a in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
                         "--disable-extensions", "--disable-dev-shm-usage", $"--user-data-dir={profile}" })
                psi.ArgumentList.Add(a);
            foreach (string a in arguments) psi.ArgumentList.Add(a);
            psi.ArgumentList.Add(new Uri(file).AbsoluteUri);
            using var p = Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit((int)timeout.TotalMilliseconds))
            {
                p.Kill(entireProcessTree: true);
                throw new TimeoutException($"Chromium did not finish within {timeout.TotalSeconds} s. stderr: {stderr.Result}");
            }
            return stdout.Result;
        }
        finally
        {
            try { Directory.Delete(profile, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}

public sealed class ChromiumFactAttribute : FactAttribute
{
    public ChromiumFactAttribute()
    {
        if (Chromium.SkipReason is string reason) Skip = reason;
    }
}
