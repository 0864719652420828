using System.Management.Automation;
using NeuralPS.Cmdlets.Commands;
using NeuralPS.Core;
using NeuralPS.Core.Data;

namespace NeuralPS.Cmdlets;

/// <summary>Import-NeuralDataset [-Path] &lt;string&gt; [-Format Idx|Csv] ...: reads a dataset file.
/// Idx (Fashion-MNIST/MNIST, .gz or plain): -LabelPath names the idx1 label file; images come as
/// [N, 1, H, W] (for Conv2d) or, with -Flatten, [N, H·W] (for Dense); bytes are scaled to [0, 1].
/// CSV: -LabelProperty names the label column (default: the last column); numeric columns are
/// standardised, text columns one-hot encoded, and a row that cannot be read is a non-terminating
/// error naming the file line and column.</summary>
[Cmdlet(VerbsData.Import, "NeuralDataset", DefaultParameterSetName = PathSet)]
[OutputType(typeof(Dataset))]
public sealed class ImportNeuralDatasetCmdlet : NeuralCmdlet
{

    /// <summary>The data file (idx features or CSV); wildcards allowed if they match one file.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = PathSet)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = string.Empty;

    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = LiteralPathSet)]
    [Alias("PSPath", "LP", "FullName")]
    [ValidateNotNullOrEmpty]
    public string LiteralPath { get; set; } = string.Empty;

    /// <summary>Idx or Csv; Auto decides from the file name.</summary>
    [Parameter(Position = 1)]
    [ValidateSet("Auto", "Idx", "Csv", IgnoreCase = true)]
    public string Format { get; set; } = "Auto";

    /// <summary>Idx: the idx1 file with one class label per item.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? LabelPath { get; set; }

    /// <summary>CSV: the label column (default: the last column).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? LabelProperty { get; set; }

    /// <summary>CSV: the feature columns, in this order (default: all but the label).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? FeatureProperty { get; set; }

    /// <summary>CSV: Auto, Classification or Regression.</summary>
    [Parameter]
    [ValidateSet("Auto", "Classification", "Regression", IgnoreCase = true)]
    public string Task { get; set; } = "Auto";

    /// <summary>CSV: the field separator (default ',').</summary>
    [Parameter]
    public char Delimiter { get; set; } = ',';

    /// <summary>Idx: one flat vector per item ([N, H·W], for Dense) instead of [N, 1, H, W].</summary>
    [Parameter]
    public SwitchParameter Flatten { get; set; }

    /// <summary>Idx: multiply every value by this (default 1/255: bytes to [0, 1]).</summary>
    [Parameter]
    [ValidateNumber(double.MinValue, double.MaxValue, NonZero = true)]
    public float Scale { get; set; } = 1f / 255f;

    /// <summary>Idx: class names in label order, or a known set: FashionMNIST, MNIST.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? ClassNames { get; set; }

    /// <summary>Idx: read only the first N items.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int Limit { get; set; }

    /// <summary>Dataset name (default: the file name).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Name { get; set; }

    protected override void ProcessRecord()
    {
        bool literal = ParameterSetName == LiteralPathSet;
        string given = literal ? LiteralPath : Path;
        string file = string.Empty;
        try
        {
            file = PathChoice.Single(ResolveExistingPaths(given, literal), given, literal ? nameof(LiteralPath) : nameof(Path));
            var format = Enum.Parse<DatasetLoader.FileFormat>(Format, ignoreCase: true);
            if (format == DatasetLoader.FileFormat.Auto) format = DatasetLoader.DetectFormat(file);
            Dataset dataset;
            if (format == DatasetLoader.FileFormat.Idx)
            {
                // Resolved like -Path (wildcards unless -LiteralPath is used), and it must name one file: a wildcard
                // matching several label files would otherwise pair the images with whichever came first.
                string? labels = LabelPath is null ? null : PathChoice.Single(ResolveExistingPaths(LabelPath, literal), LabelPath, nameof(LabelPath));
                int? limit = MyInvocation.BoundParameters.ContainsKey(nameof(Limit)) ? Limit : null;
                dataset = DatasetLoader.ReadIdx(file, labels, Flatten.IsPresent, Scale, ClassNames, limit, Name);
            }
            else
            {
                dataset = DatasetLoader.ReadCsv(file, LabelProperty, FeatureProperty, Enum.Parse<LearningTask>(Task, ignoreCase: true), Name, Delimiter,
                    error => WriteNonTerminatingError(new DataFormatException(error.Message), error, "BadRecord"),
                    notice =>
                    {
                        if (notice.IsWarning) WriteWarning(notice.Message);
                        else WriteVerbose(notice.Message);
                    });
            }
            WriteVerbose($"Read {dataset} from {file}.");
            WriteObject(dataset);
        }
        catch (Exception e) when (e is NeuralException or IOException or ArgumentException or UnauthorizedAccessException)
        {
            ThrowError(e, file.Length > 0 ? file : given);
        }
    }
}
