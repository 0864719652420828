namespace NeuralPS.Cmdlets.Tests.Support;

/// <summary>Paths of files in the repository (found by walking up from the test binaries to NeuralPS.sln).</summary>
internal static class Repo
{
    private static readonly Lazy<string> RootPath = new(() =>
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !System.IO.File.Exists(Path.Combine(dir.FullName, "NeuralPS.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("NeuralPS.sln not found above " + AppContext.BaseDirectory);
    });

    public static string Root => RootPath.Value;

    public static string File(params string[] parts) => Path.Combine(new[] { Root }.Concat(parts).ToArray());

    /// <summary>data/... as copied next to the test binaries.</summary>
    public static string Data(params string[] parts) => Path.Combine(new[] { AppContext.BaseDirectory, "data" }.Concat(parts).ToArray());
}

/// <summary>A folder deleted at the end of the test.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "neuralps-cmdlets-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
