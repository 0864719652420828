using System.Management.Automation;
using NeuralPS.Cmdlets.Commands;
using NeuralPS.Core;

namespace NeuralPS.Cmdlets;

/// <summary>Import-NeuralNetwork [-Path] &lt;string[]&gt; | -LiteralPath &lt;string[]&gt;: loads model files
/// written by Save-NeuralNetwork and ONNX models (Export-NeuralNetwork's, PyTorch's torch.onnx.export), the
/// kind told from the file's first bytes. The whole file is checked (magic, version, checksum, every section;
/// for ONNX every node and tensor) before a network is returned; a truncated, corrupt or foreign file, or an
/// ONNX op NeuralPS does not implement, is a terminating error naming what is wrong.</summary>
[Cmdlet(VerbsData.Import, "NeuralNetwork", DefaultParameterSetName = PathSet)]
[OutputType(typeof(Network))]
public sealed class ImportNeuralNetworkCmdlet : NeuralCmdlet
{

    /// <summary>Model file(s) (*.npsm or *.onnx); wildcards allowed.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = PathSet)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = Array.Empty<string>();

    /// <summary>Model file(s), taken literally; binds FileInfo objects from Get-ChildItem.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = LiteralPathSet)]
    [Alias("PSPath", "LP", "FullName")]
    [ValidateNotNullOrEmpty]
    public string[] LiteralPath { get; set; } = Array.Empty<string>();

    protected override void ProcessRecord()
    {
        bool literal = ParameterSetName == LiteralPathSet;
        foreach (string given in literal ? LiteralPath : Path)
        {
            IReadOnlyList<string> files;
            try
            {
                files = ResolveExistingPaths(given, literal);
            }
            catch (Exception e) when (e is IOException or ArgumentException)
            {
                ThrowError(e, given);
                return;
            }
            foreach (string file in files)
            {
                try
                {
                    var network = ModelFiles.Load(file);
                    WriteVerbose($"Loaded network '{network.Name}' ({network.Layers.Count} layers, {network.ParameterCount:N0} parameters) from {(ModelFiles.Detect(file) == ModelFiles.FileKind.Onnx ? "the ONNX file " : "")}{file}.");
                    WriteObject(network);
                }
                catch (Exception e) when (e is NeuralException or IOException or UnauthorizedAccessException)
                {
                    ThrowError(e, file);
                }
            }
        }
    }
}
