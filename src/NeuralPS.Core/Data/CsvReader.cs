using System.Text;

namespace NeuralPS.Core.Data;

/// <summary>A small RFC 4180 CSV reader: the first line is the header; fields are separated by the
/// delimiter (',' by default); a field in double quotes may contain delimiters, line breaks and doubled
/// quotes (""); CR, LF and CRLF all end a line; blank lines are skipped; a UTF-8 BOM is ignored.
/// A structural fault (an unterminated quote, a row with the wrong number of fields, a duplicate
/// column) is a <see cref="DataFormatException"/> naming the file and line. Values stay strings; the
/// <see cref="RecordConverter"/> reads numbers from them in the invariant culture.</summary>
public static class CsvReader
{
    /// <summary>Reads the records of a CSV file lazily (the file is opened when enumeration starts).</summary>
    public static IEnumerable<CsvRecord> ReadRecords(string path, char delimiter = ',')
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        StreamReader reader;
        try
        {
            reader = new StreamReader(path, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataFormatException($"Cannot open CSV file '{path}': {e.Message}", e);
        }
        return ReadAndDispose(reader, path, delimiter);
    }

    private static IEnumerable<CsvRecord> ReadAndDispose(StreamReader reader, string path, char delimiter)
    {
        using (reader)
        {
            foreach (var r in ReadRecords(reader, path, delimiter)) yield return r;
        }
    }

    /// <summary>Reads records from <paramref name="reader"/>; <paramref name="source"/> names it in messages.</summary>
    public static IEnumerable<CsvRecord> ReadRecords(TextReader reader, string source, char delimiter = ',')
    {
        ArgumentNullException.ThrowIfNull(reader);
        if (delimiter is '"' or '\r' or '\n') throw new InvalidConfigurationException($"'{delimiter}' cannot be a CSV delimiter.");
        string name = Path.GetFileName(source);
        CsvHeader? header = null;
        foreach (var (fields, line) in ReadRows(reader, name, delimiter))
        {
            if (header is null)
            {
                var names = new string[fields.Length];
                var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
                for (int i = 0; i < fields.Length; i++)
                {
                    names[i] = fields[i].Trim();
                    if (names[i].Length == 0) throw new DataFormatException($"{name} line {line}: header column {i + 1} has no name.");
                    if (!seen.Add(names[i])) throw new DataFormatException($"{name} line {line}: header names column '{names[i]}' twice.");
                }
                header = new CsvHeader(names);
                continue;
            }
            if (fields.Length != header.Names.Length)
                throw new DataFormatException($"{name} line {line} has {fields.Length} fields but the header has {header.Names.Length} columns ({string.Join(", ", header.Names)}).");
            yield return new CsvRecord(header, fields, line, source);
        }
        if (header is null) throw new DataFormatException($"CSV file '{name}' is empty: it has no header line.");
    }

    /// <summary>Reads a CSV file into a dataset through a training-mode <see cref="RecordConverter"/>. Rows that
    /// cannot be converted are skipped and handed to <paramref name="onError"/> (their messages say "file line N");
    /// how each column was read, and the task, go to <paramref name="onNotice"/> (see <see cref="RecordConverter.Notices"/>);
    /// when no row converts, a <see cref="DataFormatException"/> says why.</summary>
    public static Dataset ReadDataset(string path, RecordConverterOptions? options = null, Action<RecordError>? onError = null, char delimiter = ',',
        Action<ConversionNotice>? onNotice = null)
    {
        options = options?.Clone() ?? new RecordConverterOptions();
        if (options.Name == RecordConverterOptions.DefaultName) options.Name = Path.GetFileNameWithoutExtension(path);
        var converter = new RecordConverter(options);
        foreach (var record in ReadRecords(path, delimiter))
        {
            if (!converter.TryAdd(record, out var error, record.Location)) onError?.Invoke(error!);
        }
        var dataset = converter.ToDataset();
        if (onNotice is not null) foreach (var notice in converter.Notices) onNotice(notice);
        return dataset;
    }

    /// <summary>Splits text into rows of fields; yields each row with the line it starts on.</summary>
    private static IEnumerable<(string[] Fields, long Line)> ReadRows(TextReader reader, string name, char delimiter)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        long line = 1, rowLine = 1;
        bool inQuotes = false, quoted = false, afterQuote = false;
        long quoteLine = 0;
        while (true)
        {
            int c = reader.Read();
            if (c == -1)
            {
                if (inQuotes) throw new DataFormatException($"{name} line {quoteLine}: a quoted field is never closed (missing '\"').");
                if (fields.Count > 0 || field.Length > 0 || quoted)
                {
                    fields.Add(field.ToString());
                    yield return (fields.ToArray(), rowLine);
                }
                yield break;
            }
            if (inQuotes)
            {
                if (c == '"')
                {
                    if (reader.Peek() == '"') { reader.Read(); field.Append('"'); }
                    else { inQuotes = false; afterQuote = true; }
                }
                else
                {
                    if (c == '\n' || (c == '\r' && reader.Peek() != '\n')) line++;
                    field.Append((char)c);
                }
                continue;
            }
            if (c == delimiter)
            {
                fields.Add(field.ToString());
                field.Clear();
                quoted = afterQuote = false;
            }
            else if (c == '\r' || c == '\n')
            {
                if (c == '\r' && reader.Peek() == '\n') reader.Read();
                bool blank = fields.Count == 0 && field.Length == 0 && !quoted;
                if (!blank)
                {
                    fields.Add(field.ToString());
                    yield return (fields.ToArray(), rowLine);
                }
                fields.Clear();
                field.Clear();
                quoted = afterQuote = false;
                line++;
                rowLine = line;
            }
            else if (c == '"' && field.Length == 0 && !quoted)
            {
                inQuotes = quoted = true;
                quoteLine = line;
            }
            else if (afterQuote)
            {
                if (c is ' ' or '\t') continue; // tolerate spaces between a closing quote and the delimiter
                throw new DataFormatException($"{name} line {line}, field {fields.Count + 1}: unexpected '{(char)c}' after a closing quote.");
            }
            else
            {
                field.Append((char)c);
            }
        }
    }
}
