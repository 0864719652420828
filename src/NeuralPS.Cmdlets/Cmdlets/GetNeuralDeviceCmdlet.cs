using System.Management.Automation;
using NeuralPS.Cmdlets.Commands;
using NeuralPS.Core.Backends;

namespace NeuralPS.Cmdlets;

/// <summary>Get-NeuralDevice [[-Backend] &lt;string[]&gt;]: the devices NeuralPS can compute on — the CPU
/// (cores, the SIMD width its kernels use) and the GPUs of registered backends.</summary>
[Cmdlet(VerbsCommon.Get, "NeuralDevice")]
[OutputType(typeof(DeviceInfo))]
public sealed class GetNeuralDeviceCmdlet : NeuralCmdlet
{
    /// <summary>Only devices of these backends ("cpu", "cuda"); wildcards allowed.</summary>
    [Parameter(Position = 0)]
    [SupportsWildcards]
    public string[]? Backend { get; set; }

    protected override void EndProcessing()
    {
        var patterns = Backend?.Select(b => new WildcardPattern(b, WildcardOptions.IgnoreCase)).ToArray();
        foreach (var device in DeviceLister.List())
        {
            if (patterns is null || patterns.Any(p => p.IsMatch(device.Backend))) WriteObject(device);
        }
    }
}
