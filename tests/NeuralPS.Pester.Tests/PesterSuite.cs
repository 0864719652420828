using System.Diagnostics;
using System.Reflection;
using System.Text;
using System.Text.Json;

namespace NeuralPS.Pester.Tests;

/// <summary>
/// Discovers and runs tests/Pester in a separate process of the repository's pwsh (tools/pwsh:
/// PowerShell 7.6 from Microsoft.PowerShell.SDK) with Pester from NuGet, against the built module in
/// out/NeuralPS. A separate process, as a user's pwsh: the module's private load context, type
/// accelerators and process-wide state never mix with the test host's, and a test that brings the
/// process down fails the Pester tests instead of the xUnit host.
/// The whole suite runs once (on the first test case that asks); each case then reports its own result.
/// </summary>
internal static class PesterSuite
{
    private static readonly TimeSpan DiscoveryTimeout = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(20);

    private static readonly Lazy<IReadOnlyList<PesterCase>> Discovered = new(DiscoverCore);
    private static readonly Lazy<RunOutcome> Outcome = new(RunCore);

    public static string RepoRoot => Metadata("RepoRoot");
    public static string ModuleDir => Metadata("ModuleDir");
    public static string TestsDir => Path.Combine(RepoRoot, "tests", "Pester");
    public static string PesterDir => Path.Combine(AppContext.BaseDirectory, "Pester");
    public static string PwshPath => Path.Combine(Metadata("PwshHostDir"), OperatingSystem.IsWindows() ? "pwsh.exe" : "pwsh");

    public static IReadOnlyList<PesterCase> Cases => Discovered.Value;

    public static RunOutcome Results => Outcome.Value;

    private static string Metadata(string key) =>
        typeof(PesterSuite).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value
        ?? throw new InvalidOperationException($"Assembly metadata {key} is missing.");

    private static IReadOnlyList<PesterCase> DiscoverCore()
    {
        return WithOccurrences(Invoke("Discover", DiscoveryTimeout, out _))
            .Select(x => new PesterCase(x.Row.File, x.Row.Template, x.Row.Path, x.Occurrence, x.Row.Skip))
            .ToList();
    }

    private static RunOutcome RunCore()
    {
        try
        {
            var rows = Invoke("Run", RunTimeout, out string log);
            var byKey = WithOccurrences(rows).ToDictionary(
                x => new PesterCase(x.Row.File, x.Row.Template, x.Row.Path, x.Occurrence, x.Row.Skip).Key, x => x.Row, StringComparer.Ordinal);
            return new RunOutcome(byKey, log, null);
        }
        catch (Exception e)
        {
            return new RunOutcome(new Dictionary<string, PesterRow>(), "", e.Message);
        }
    }

    /// <summary>Each row with its occurrence among rows of the same file and template (an It with -ForEach is
    /// one template, many tests), which is what identifies a test between discovery and the run.</summary>
    private static IEnumerable<(PesterRow Row, int Occurrence)> WithOccurrences(IEnumerable<PesterRow> rows)
    {
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            string id = row.File + "|" + row.Template;
            seen.TryGetValue(id, out int occurrence);
            seen[id] = occurrence + 1;
            yield return (row, occurrence);
        }
    }

    private static List<PesterRow> Invoke(string mode, TimeSpan timeout, out string log)
    {
        string pwsh = PwshPath;
        if (!File.Exists(pwsh))
            throw new InvalidOperationException($"The repository's pwsh host is not built at {pwsh}; build NeuralPS.sln first.");
        if (!File.Exists(Path.Combine(PesterDir, "Pester.psd1")))
            throw new InvalidOperationException($"Pester is not at {PesterDir}; the test project's CopyPester target copies it there on build.");
        if (mode == "Run" && !File.Exists(Path.Combine(ModuleDir, "NeuralPS.psd1")))
            throw new InvalidOperationException($"The built module is not at {ModuleDir}; build NeuralPS.sln first.");

        string outFile = Path.Combine(Path.GetTempPath(), $"neuralps-pester-{mode}-{Guid.NewGuid():N}.json");
        var info = new ProcessStartInfo(pwsh)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = RepoRoot,
        };
        foreach (string arg in new[]
        {
            "-NoProfile", "-NonInteractive", "-File", Path.Combine(AppContext.BaseDirectory, "RunPester.ps1"),
            "-Mode", mode, "-TestsDir", TestsDir, "-PesterDir", PesterDir, "-OutFile", outFile,
        })
        {
            info.ArgumentList.Add(arg);
        }
        info.Environment["NEURALPS_MODULE"] = ModuleDir;
        info.Environment["NEURALPS_PWSH"] = pwsh;
        info.Environment["POWERSHELL_TELEMETRY_OPTOUT"] = "1";
        info.Environment["NO_COLOR"] = "1";

        var output = new StringBuilder();
        using var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new TimeoutException($"Pester ({mode}) did not finish within {timeout}; its output:\n{Tail(output.ToString())}");
        }
        process.WaitForExit();
        log = output.ToString();
        try
        {
            if (!File.Exists(outFile))
                throw new InvalidOperationException($"Pester ({mode}) wrote no results (exit code {process.ExitCode}); its output:\n{Tail(log)}");
            var rows = JsonSerializer.Deserialize<List<PesterRow>>(File.ReadAllText(outFile))
                ?? throw new InvalidOperationException($"Pester ({mode}) wrote an empty result file.");
            if (mode == "Run")
                File.WriteAllText(Path.Combine(AppContext.BaseDirectory, "pester-output.log"), log);
            return rows;
        }
        finally
        {
            File.Delete(outFile);
        }
    }

    private static string Tail(string text) => text.Length <= 8000 ? text : "…" + text[^8000..];
}

internal sealed record PesterRow(string File, string Template, string Path, bool Skip, string Result, string? Message, int DurationMs);

internal sealed record RunOutcome(IReadOnlyDictionary<string, PesterRow> Rows, string Log, string? Failure);
