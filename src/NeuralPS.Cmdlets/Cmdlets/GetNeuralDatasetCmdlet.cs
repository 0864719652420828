using System.Management.Automation;
using NeuralPS.Cmdlets.Commands;
using NeuralPS.Core;
using NeuralPS.Core.Data;

namespace NeuralPS.Cmdlets;

/// <summary>Get-NeuralDataset [[-Name] &lt;string&gt;] [-AsRecord]: the small real datasets shipped inside
/// the module (Iris). With a name: the dataset object, ready to pipe to Invoke-Training /
/// Measure-Model; with -AsRecord: its rows as objects (like Import-Csv). Without a name: the list of
/// shipped datasets with their source and licence.</summary>
[Cmdlet(VerbsCommon.Get, "NeuralDataset", DefaultParameterSetName = ListSet)]
[OutputType(typeof(Dataset), typeof(PSObject), typeof(BuiltinDatasetInfo))]
public sealed class GetNeuralDatasetCmdlet : NeuralCmdlet
{
    private const string ListSet = "List";
    private const string NameSet = "Name";

    [Parameter(Mandatory = true, Position = 0, ParameterSetName = NameSet)]
    [ValidateSet("Iris", IgnoreCase = true)]
    public string Name { get; set; } = string.Empty;

    /// <summary>Write the rows as objects (one per sample, with the label property) instead of a dataset.</summary>
    [Parameter(ParameterSetName = NameSet)]
    public SwitchParameter AsRecord { get; set; }

    protected override void EndProcessing()
    {
        try
        {
            if (ParameterSetName == ListSet)
            {
                foreach (var info in DatasetLoader.BuiltinList) WriteObject(info);
                return;
            }
            if (!AsRecord.IsPresent)
            {
                WriteObject(DatasetLoader.Builtin(Name));
                return;
            }
            foreach (var row in DatasetLoader.BuiltinRecords(Name))
            {
                var pso = new PSObject();
                foreach (var kv in row) pso.Properties.Add(new PSNoteProperty(kv.Key, kv.Value));
                WriteObject(pso);
            }
        }
        catch (NeuralException e)
        {
            ThrowError(e, Name);
        }
    }
}
