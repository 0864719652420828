using System.Management.Automation;
using NeuralPS.Cmdlets.Commands;
using NeuralPS.Core;

namespace NeuralPS.Cmdlets;

/// <summary>Save-NeuralNetwork -Network &lt;Network&gt; [-Path] &lt;string&gt; [-Force] [-AllowNonFinite] [-PassThru]
/// [-WhatIf] [-Confirm]: writes the architecture, weights, feature encoding and class names to a
/// model file (conventionally *.npsm; atomically: a failure never leaves half a file). An existing file is
/// overwritten only with -Force. Parameters and the write: <see cref="NetworkFileCmdlet"/>.</summary>
[Cmdlet(VerbsData.Save, "NeuralNetwork", SupportsShouldProcess = true, DefaultParameterSetName = PathSet)]
[OutputType(typeof(FileInfo))]
public sealed class SaveNeuralNetworkCmdlet : NetworkFileCmdlet
{
    private protected override string Action(SavePlan plan) => plan.Action;

    private protected override FileInfo Write(Network network, SavePlan plan) => ModelFiles.Save(network, plan, AllowNonFinite.IsPresent);

    private protected override string Written(Network network, FileInfo file) =>
        $"Saved network '{network.Name}' ({network.ParameterCount:N0} parameters) to {file.FullName} ({file.Length:N0} bytes).";
}
