using System.Reflection;

namespace NeuralPS.Core.Data;

/// <summary>Small real datasets shipped inside NeuralPS.Core (embedded resources copied from data/ in the
/// repository, with their licences in data/*/README.md). Get-NeuralDataset -Name Iris comes here.</summary>
public static class BuiltinDatasets
{
    private static readonly BuiltinDatasetInfo[] Known =
    {
        new("Iris", "NeuralPS.Core.Data.Builtin.iris.csv", "Species",
            "Fisher's Iris flowers: 150 rows, 4 measurements in cm (SepalLength, SepalWidth, PetalLength, PetalWidth), 3 species.",
            "scikit-learn's sklearn/datasets/data/iris.csv (Debian python3-sklearn), BSD-3-Clause; R.A. Fisher (1936)."),
    };

    /// <summary>The names Load accepts.</summary>
    public static IReadOnlyList<string> Names { get; } = Known.Select(k => k.Name).ToArray();

    public static IReadOnlyList<BuiltinDatasetInfo> All => Known;

    /// <summary>Description of a shipped dataset (case-insensitive name).</summary>
    public static BuiltinDatasetInfo Describe(string name)
    {
        foreach (var k in Known)
        {
            if (string.Equals(k.Name, name?.Trim(), StringComparison.OrdinalIgnoreCase)) return k;
        }
        throw new InvalidConfigurationException($"There is no built-in dataset named '{name}'. Built-in datasets: {string.Join(", ", Names)}.");
    }

    /// <summary>The rows of a shipped dataset, as records: numbers as double, other cells as strings, in file order.</summary>
    public static IReadOnlyList<IReadOnlyDictionary<string, object?>> LoadRecords(string name)
    {
        var info = Describe(name);
        var rows = new List<IReadOnlyDictionary<string, object?>>();
        using var reader = new StreamReader(OpenResource(info));
        foreach (var record in CsvReader.ReadRecords(reader, info.Name.ToLowerInvariant() + ".csv"))
        {
            var row = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
            foreach (var (key, value) in record)
                row[key] = RecordValue.TryGetNumber(value, out double d) ? d : value;
            rows.Add(row);
        }
        return rows;
    }

    /// <summary>A shipped dataset converted for training: features standardised, the label column
    /// (<see cref="BuiltinDatasetInfo.LabelColumn"/>) as classes.</summary>
    public static Dataset Load(string name, RecordConverterOptions? options = null)
    {
        var info = Describe(name);
        options = options?.Clone() ?? new RecordConverterOptions();
        options.LabelColumn ??= info.LabelColumn;
        if (options.Name == RecordConverterOptions.DefaultName) options.Name = info.Name;
        var converter = new RecordConverter(options);
        foreach (var row in LoadRecords(info.Name))
        {
            if (!converter.TryAdd(row, out var error)) throw new DataFormatException($"Built-in dataset {info.Name}: {error!.Message}");
        }
        return converter.ToDataset();
    }

    /// <summary>The CSV text of a shipped dataset (e.g. to write it to a file).</summary>
    public static string ReadCsvText(string name)
    {
        using var reader = new StreamReader(OpenResource(Describe(name)));
        return reader.ReadToEnd();
    }

    private static Stream OpenResource(BuiltinDatasetInfo info) =>
        Assembly.GetExecutingAssembly().GetManifestResourceStream(info.ResourceName)
        ?? throw new InvalidOperationException($"The embedded resource '{info.ResourceName}' of built-in dataset {info.Name} is missing from NeuralPS.Core; the build is broken.");
}

/// <summary>A dataset shipped with NeuralPS: its name, default label column, description and source/licence.</summary>
public sealed record BuiltinDatasetInfo(string Name, string ResourceName, string LabelColumn, string Description, string Source);
