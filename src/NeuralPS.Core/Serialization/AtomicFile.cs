namespace NeuralPS.Core.Serialization;

/// <summary>Writes a whole file so that a reader (or a crash) sees either the old file or the new one, never
/// half of one: the contents go to ".name.&lt;guid&gt;.tmp" in the target's folder, are flushed to disk, and
/// the temporary is renamed over the target. Temporaries that a killed writer left behind for the same target
/// are swept first. Used for model files, checkpoints and the cmdlets' reports.</summary>
public static class AtomicFile
{
    /// <summary>Writes <paramref name="contents"/> over <paramref name="path"/>; on failure the temporary is
    /// removed, any previous file is unchanged and the I/O exception propagates.</summary>
    public static void Write(string path, byte[] contents) => Write(path, contents, null);

    /// <summary>Test seam: <paramref name="wrapStream"/> wraps the temporary file's stream (to inject a failure).</summary>
    internal static void Write(string path, byte[] contents, Func<Stream, Stream>? wrapStream)
    {
        ArgumentNullException.ThrowIfNull(contents);
        string full = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(full) ?? ".";
        SweepStaleTemporaries(directory, Path.GetFileName(full));
        string temp = Path.Combine(directory, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var fs = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                Stream s = wrapStream?.Invoke(fs) ?? fs;
                s.Write(contents);
                s.Flush();
                fs.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>Removes temporaries a save of the same target left behind when its process was killed before
    /// the rename (".name.&lt;32 hex digits&gt;.tmp"). A save in progress holds its temporary open with
    /// FileShare.None (an exclusive lock on every platform .NET runs on), so opening one exclusively succeeds
    /// only for a temporary nobody writes any more; it is deleted on close. Files of other targets and
    /// anything not named like a temporary are never touched.</summary>
    internal static int SweepStaleTemporaries(string directory, string targetName)
    {
        int removed = 0;
        string prefix = $".{targetName}.";
        IEnumerable<string> candidates;
        try
        {
            candidates = Directory.EnumerateFiles(directory, $".{targetName}.*.tmp");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
        foreach (string path in candidates)
        {
            string file = Path.GetFileName(path);
            if (!file.StartsWith(prefix, StringComparison.Ordinal) || !file.EndsWith(".tmp", StringComparison.Ordinal)) continue;
            string id = file[prefix.Length..^4];
            if (id.Length != 32 || !id.All(char.IsAsciiHexDigitLower)) continue;
            try
            {
                using (new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose)) { }
                removed++;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // In use by a save that is still running, or not ours to delete: leave it.
            }
        }
        return removed;
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: a stray temporary file is harmless and named after its target.
        }
    }
}
