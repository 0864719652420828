using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace NeuralPS.Cmdlets.Commands;

/// <summary>One input record as the engine's RecordConverter reads it: property names in the order
/// the object has them, values already unwrapped from PowerShell, case-insensitive lookup (as
/// PowerShell property names). <see cref="Source"/> is the object the user piped in, kept as the
/// target of an error about this record.</summary>
internal sealed class RecordView : IReadOnlyDictionary<string, object?>
{
    private readonly List<string> _names = new();
    private readonly List<object?> _values = new();
    private readonly Dictionary<string, int> _index = new(StringComparer.OrdinalIgnoreCase);

    public RecordView(object source)
    {
        Source = source;
    }

    public object Source { get; }

    /// <summary>Adds a property; a later property with the same name (ignoring case) replaces the value.</summary>
    public RecordView Add(string name, object? value)
    {
        if (_index.TryGetValue(name, out int i))
        {
            _values[i] = value;
            return this;
        }
        _index[name] = _names.Count;
        _names.Add(name);
        _values.Add(value);
        return this;
    }

    /// <summary>A record from a dictionary (a hashtable from the pipeline). Ordered dictionaries keep
    /// their order; a plain Hashtable has none, so its keys are sorted to make the column order stable.</summary>
    public static RecordView FromDictionary(IDictionary dictionary, object source, Func<object?, object?>? unwrap = null)
    {
        var view = new RecordView(source);
        var entries = new List<KeyValuePair<string, object?>>();
        foreach (DictionaryEntry e in dictionary)
        {
            string key = Convert.ToString(unwrap is null ? e.Key : unwrap(e.Key), System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty;
            entries.Add(new(key, unwrap is null ? e.Value : unwrap(e.Value)));
        }
        bool ordered = dictionary is System.Collections.Specialized.IOrderedDictionary || dictionary is SortedList
            || dictionary.GetType().IsGenericType && dictionary.GetType().GetGenericTypeDefinition() == typeof(SortedDictionary<,>);
        if (!ordered) entries.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        foreach (var kv in entries) view.Add(kv.Key, kv.Value);
        return view;
    }

    public object? this[string key] => _index.TryGetValue(key, out int i) ? _values[i] : throw new KeyNotFoundException($"The record has no property '{key}'.");

    public IEnumerable<string> Keys => _names;
    public IEnumerable<object?> Values => _values;
    public int Count => _names.Count;

    public bool ContainsKey(string key) => _index.ContainsKey(key);

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out object? value)
    {
        if (_index.TryGetValue(key, out int i))
        {
            value = _values[i];
            return true;
        }
        value = null;
        return false;
    }

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
    {
        for (int i = 0; i < _names.Count; i++) yield return new(_names[i], _values[i]);
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => "@{" + string.Join("; ", this.Select(kv => $"{kv.Key}={kv.Value}")) + "}";
}
