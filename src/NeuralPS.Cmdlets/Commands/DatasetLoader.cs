using NeuralPS.Core;
using NeuralPS.Core.Data;

namespace NeuralPS.Cmdlets.Commands;

/// <summary>Import-NeuralDataset and Get-NeuralDataset without PowerShell: picks the reader (idx or
/// CSV, from -Format or the file name) and maps the cmdlet's options onto the engine's readers.</summary>
internal static class DatasetLoader
{
    public enum FileFormat
    {
        Auto,
        Idx,
        Csv,
    }

    /// <summary>-Format Auto: ".csv"/".tsv"/".txt" → CSV; idx names ("…-idx3-ubyte", ".idx", either gzipped) → idx.
    /// The CSV reader reads plain text only, so "x.csv.gz" is not taken for CSV.</summary>
    public static FileFormat DetectFormat(string path)
    {
        string file = Path.GetFileName(path).ToLowerInvariant();
        bool gzip = file.EndsWith(".gz", StringComparison.Ordinal);
        if (gzip) file = file[..^3];
        if (!gzip && file.EndsWith(".csv", StringComparison.Ordinal) || file.EndsWith(".tsv", StringComparison.Ordinal) || file.EndsWith(".txt", StringComparison.Ordinal))
            return FileFormat.Csv;
        if (file.Contains("idx", StringComparison.Ordinal) || file.EndsWith("-ubyte", StringComparison.Ordinal) || file.EndsWith(".ubyte", StringComparison.Ordinal))
            return FileFormat.Idx;
        throw new InvalidConfigurationException($"Cannot tell the format of '{path}' from its name; give -Format Idx or -Format Csv.");
    }

    /// <summary>-ClassNames: the names themselves, or one well-known set name (FashionMNIST, MNIST).</summary>
    public static IReadOnlyList<string>? ResolveClassNames(IReadOnlyList<string>? given)
    {
        if (given is null || given.Count == 0) return null;
        if (given.Count == 1)
        {
            try
            {
                return KnownClassNames.Get(given[0]);
            }
            catch (InvalidConfigurationException)
            {
                throw new InvalidConfigurationException($"-ClassNames takes one name per class (in label order) or a known set (FashionMNIST, MNIST); '{given[0]}' alone would be a single class.");
            }
        }
        return given;
    }

    public static Dataset ReadIdx(string featuresPath, string? labelsPath, bool flatten, float scale, IReadOnlyList<string>? classNames, int? limit, string? name)
    {
        return IdxReader.ReadDataset(featuresPath, labelsPath, new IdxReadOptions
        {
            Flatten = flatten,
            Scale = scale,
            ClassNames = ResolveClassNames(classNames),
            Limit = limit,
            Name = name,
        });
    }

    public static Dataset ReadCsv(string path, string? labelProperty, IReadOnlyList<string>? featureProperties, LearningTask task,
        string? name, char delimiter, Action<RecordError> onError, Action<ConversionNotice>? onNotice = null)
    {
        var options = new RecordConverterOptions
        {
            LabelColumn = labelProperty,
            FeatureColumns = featureProperties,
            Task = task,
        };
        if (!string.IsNullOrWhiteSpace(name)) options.Name = name;
        return CsvReader.ReadDataset(path, options, onError, delimiter, onNotice);
    }

    public static Dataset Builtin(string name) => BuiltinDatasets.Load(name);

    public static IReadOnlyList<IReadOnlyDictionary<string, object?>> BuiltinRecords(string name) => BuiltinDatasets.LoadRecords(name);

    public static IReadOnlyList<BuiltinDatasetInfo> BuiltinList => BuiltinDatasets.All;
}
