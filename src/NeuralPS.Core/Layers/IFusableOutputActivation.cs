using NeuralPS.Core.Backends;
using NeuralPS.Core.Tensors;

namespace NeuralPS.Core.Layers;

/// <summary>A layer whose output is act(pre-activation) for a row-wise or element-wise activation, so
/// that a loss defined on the pre-activation (cross-entropy on softmax logits, binary cross-entropy
/// on sigmoid logits) can take its stable, fused gradient from there instead of differentiating
/// −log(softmax) through the softmax. The trainer uses this when such a layer is the network's last.</summary>
internal interface IFusableOutputActivation
{
    ActivationKind OutputActivation { get; }

    /// <summary>When true, Forward keeps the pre-activation of the batch in <see cref="PreActivation"/>.</summary>
    bool KeepPreActivation { get; set; }

    /// <summary>The pre-activation (logits) of the last Forward; valid when KeepPreActivation is set.</summary>
    Tensor? PreActivation { get; }

    /// <summary>Backward from dLoss/dPreActivation, skipping the activation's derivative.</summary>
    Tensor? BackwardFromPreActivation(Tensor preActivationGradient, LayerContext context, bool needInputGradient);
}
