using System.Management.Automation;
using NeuralPS.Cmdlets.Commands;
using NeuralPS.Core;

namespace NeuralPS.Cmdlets;

/// <summary>New-NeuralNetwork [-Name] &lt;string&gt; -InputShape &lt;int[]&gt; [-Seed &lt;ulong&gt;]:
/// an empty sequential network; pipe it to Add-Layer.</summary>
[Cmdlet(VerbsCommon.New, "NeuralNetwork")]
[OutputType(typeof(Network))]
public sealed class NewNeuralNetworkCmdlet : NeuralCmdlet
{
    /// <summary>Display name, saved with the model.</summary>
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "network";

    /// <summary>Shape of one sample without the batch: 4 for four features, 1,28,28 for one 28×28 channel.
    /// Leave it out for a text network: its first layer, TextVectorization, defines the input.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ValidateRange(1, int.MaxValue)]
    [ValidateCount(1, 8)]
    public int[] InputShape { get; set; } = Array.Empty<int>();

    /// <summary>Seed of weight initialisation (and the default seed for shuffling and dropout).</summary>
    [Parameter]
    public ulong Seed { get; set; }

    protected override void EndProcessing()
    {
        ulong? seed = MyInvocation.BoundParameters.ContainsKey(nameof(Seed)) ? Seed : null;
        try
        {
            WriteObject(MyInvocation.BoundParameters.ContainsKey(nameof(InputShape))
                ? NetworkBuilder.Create(Name, InputShape, seed)
                : NetworkBuilder.CreateForFirstLayer(Name, seed));
        }
        catch (Exception e) when (e is NeuralException or ArgumentException)
        {
            ThrowError(e, InputShape);
        }
    }
}
