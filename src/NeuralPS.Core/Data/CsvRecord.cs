using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace NeuralPS.Core.Data;

/// <summary>One CSV data row as (column → string value), looked up case-insensitively, with the line it
/// starts on. It is what <see cref="RecordConverter.TryAdd"/> takes, like a PowerShell object's properties.</summary>
public sealed class CsvRecord : IReadOnlyDictionary<string, object?>
{
    private readonly CsvHeader _header;
    private readonly string[] _values;

    internal CsvRecord(CsvHeader header, string[] values, long lineNumber, string source)
    {
        _header = header;
        _values = values;
        LineNumber = lineNumber;
        Source = source;
    }

    /// <summary>1-based line of the file where this record starts (the header is line 1).</summary>
    public long LineNumber { get; }

    /// <summary>The file name (or description) for messages.</summary>
    public string Source { get; }

    public IReadOnlyList<string> Columns => _header.Names;
    public IReadOnlyList<string> Values => _values;

    /// <summary>"iris.csv line 17", for messages.</summary>
    public string Location => $"{Path.GetFileName(Source)} line {LineNumber}";

    public object? this[string key] => TryGetValue(key, out var v) ? v : throw new KeyNotFoundException($"{Location} has no column '{key}'.");

    public IEnumerable<string> Keys => _header.Names;
    IEnumerable<object?> IReadOnlyDictionary<string, object?>.Values => _values;
    public int Count => _values.Length;

    public bool ContainsKey(string key) => _header.Index.ContainsKey(key);

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out object? value)
    {
        if (_header.Index.TryGetValue(key, out int i))
        {
            value = _values[i];
            return true;
        }
        value = null;
        return false;
    }

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
    {
        for (int i = 0; i < _values.Length; i++) yield return new KeyValuePair<string, object?>(_header.Names[i], _values[i]);
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => $"{Location}: {string.Join(", ", this.Select(kv => $"{kv.Key}={kv.Value}"))}";
}

/// <summary>Column names of a CSV file and their case-insensitive index, shared by its records.</summary>
internal sealed class CsvHeader
{
    public CsvHeader(string[] names)
    {
        Names = names;
        Index = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < names.Length; i++) Index[names[i]] = i;
    }

    public string[] Names { get; }
    public Dictionary<string, int> Index { get; }
}
