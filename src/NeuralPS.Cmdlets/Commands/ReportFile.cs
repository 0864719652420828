using System.Text;

namespace NeuralPS.Cmdlets.Commands;

/// <summary>Writes a report next to its final name and renames it into place, so a failure never leaves
/// half a report where a complete one was.</summary>
internal static class ReportFile
{
    public static FileInfo Write(string path, string contents)
    {
        string temp = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(path) ?? ".", $".{System.IO.Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            File.WriteAllText(temp, contents, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            try { File.Delete(temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
        return new FileInfo(path);
    }
}
