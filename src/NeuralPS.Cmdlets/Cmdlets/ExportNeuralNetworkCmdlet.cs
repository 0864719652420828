using System.Management.Automation;
using NeuralPS.Cmdlets.Commands;
using NeuralPS.Core;

namespace NeuralPS.Cmdlets;

/// <summary>Export-NeuralNetwork -Network &lt;Network&gt; [-Path] &lt;string&gt; [-Bare] [-Force] [-AllowNonFinite]
/// [-PassThru] [-WhatIf] [-Confirm]: writes the network as an ONNX model (opset 17; 20 when a GELU needs the
/// Gelu op) that ONNX Runtime and other ONNX consumers run: the fitted input scaling/standardisation as nodes in
/// front (raw feature values go in), the network, and for a classifier a "label" output with the class names
/// (also in the metadata). -Bare writes the network alone. Atomic, -Force to overwrite, as Save-NeuralNetwork.</summary>
[Cmdlet(VerbsData.Export, "NeuralNetwork", SupportsShouldProcess = true, DefaultParameterSetName = PathSet)]
[OutputType(typeof(FileInfo))]
public sealed class ExportNeuralNetworkCmdlet : NeuralCmdlet
{
    /// <summary>The network to export (from the pipeline).</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    [ValidateNotNull]
    public Network? Network { get; set; }

    /// <summary>The ONNX file to write (conventionally *.onnx). Relative to the current location; wildcard
    /// characters may select one existing file to overwrite (with -Force).</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = string.Empty;

    /// <summary>The ONNX file to write, taken literally (no wildcard characters).</summary>
    [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet)]
    [Alias("PSPath", "LP")]
    [ValidateNotNullOrEmpty]
    public string LiteralPath { get; set; } = string.Empty;

    /// <summary>Write only the network: its input is what the first layer takes (already scaled), and there is no label output.</summary>
    [Parameter]
    public SwitchParameter Bare { get; set; }

    /// <summary>Overwrite an existing file.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Export even when weights are NaN or infinite (a diverged training); refused otherwise.</summary>
    [Parameter]
    public SwitchParameter AllowNonFinite { get; set; }

    /// <summary>Write the exported file (FileInfo) to the pipeline.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        var plan = PlanFileWrite(Path, LiteralPath, Force.IsPresent);
        if (!ShouldProcess(plan.Path, plan.Overwrites ? "Overwrite ONNX file" : "Export neural network as ONNX")) return;
        try
        {
            var file = ModelFiles.Export(Network!, plan, Bare.IsPresent, AllowNonFinite.IsPresent);
            WriteVerbose($"Exported network '{Network!.Name}' ({Network.Layers.Count} layers, {Network.ParameterCount:N0} parameters) as ONNX to {file.FullName} ({file.Length:N0} bytes).");
            if (PassThru.IsPresent) WriteObject(file);
        }
        catch (Exception e) when (e is NeuralException or IOException or UnauthorizedAccessException)
        {
            ThrowError(e, e is InvalidConfigurationException ? Network : plan.Path, writing: e is not InvalidConfigurationException);
        }
    }
}
