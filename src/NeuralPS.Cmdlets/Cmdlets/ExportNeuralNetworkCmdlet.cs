using System.Management.Automation;
using NeuralPS.Cmdlets.Commands;
using NeuralPS.Core;

namespace NeuralPS.Cmdlets;

/// <summary>Export-NeuralNetwork -Network &lt;Network&gt; [-Path] &lt;string&gt; [-Bare] [-Force] [-AllowNonFinite]
/// [-PassThru] [-WhatIf] [-Confirm]: writes the network as an ONNX model (opset 17; 20 when a GELU needs the
/// Gelu op) that ONNX Runtime and other ONNX consumers run: the fitted input scaling/standardisation as nodes in
/// front (raw feature values go in), the network, and for a classifier a "label" output with the class names
/// (also in the metadata). -Bare writes the network alone. Atomic, -Force to overwrite, as Save-NeuralNetwork
/// (<see cref="NetworkFileCmdlet"/>).</summary>
[Cmdlet(VerbsData.Export, "NeuralNetwork", SupportsShouldProcess = true, DefaultParameterSetName = PathSet)]
[OutputType(typeof(FileInfo))]
public sealed class ExportNeuralNetworkCmdlet : NetworkFileCmdlet
{
    /// <summary>Write only the network: its input is what the first layer takes (already scaled), and there is no label output.</summary>
    [Parameter]
    public SwitchParameter Bare { get; set; }

    private protected override string Action(SavePlan plan) => plan.Overwrites ? "Overwrite ONNX file" : "Export neural network as ONNX";

    private protected override FileInfo Write(Network network, SavePlan plan) => ModelFiles.Export(network, plan, Bare.IsPresent, AllowNonFinite.IsPresent);

    private protected override string Written(Network network, FileInfo file) =>
        $"Exported network '{network.Name}' ({network.Layers.Count} layers, {network.ParameterCount:N0} parameters) as ONNX to {file.FullName} ({file.Length:N0} bytes).";

    /// <summary>A layer with no ONNX form is the network's problem, not the file's.</summary>
    private protected override object ErrorTarget(Exception e, SavePlan plan) => e is InvalidConfigurationException ? Network! : plan.Path;
}
