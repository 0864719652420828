namespace NeuralPS.Cmdlets.Commands;

/// <summary>What a path parameter that names ONE file does with the provider's answer: exactly one
/// file is the file; several (a wildcard) or none are an error that names the parameter.</summary>
internal static class PathChoice
{
    public static string Single(IReadOnlyList<string> files, string given, string parameter)
    {
        ArgumentNullException.ThrowIfNull(files);
        if (files.Count == 1) return files[0];
        if (files.Count == 0) throw new FileNotFoundException($"-{parameter} '{given}' matches no file.", given);
        throw new ArgumentException($"-{parameter} '{given}' matches {files.Count} files ({string.Join(", ", files.Take(5))}{(files.Count > 5 ? ", …" : string.Empty)}); it takes one file. Use a more specific path, or -LiteralPath for a name with wildcard characters.");
    }
}
