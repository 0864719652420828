using NeuralPS.Core.Tensors;

namespace NeuralPS.Core.Backends;

/// <summary>Batch normalisation (cudnnBatchNormalizationForwardTraining / ForwardInference / Backward,
/// spatial mode) and per-channel scaling. x is viewed as [N, C, S]: C = dimension 1, S = the product of
/// the dimensions after it (1 for [N, C] after a Dense layer, H·W for [N, C, H, W]); the statistics of
/// channel c run over all N·S values. gamma, beta, running and saved statistics hold C values.</summary>
public partial interface IBackend
{
    /// <summary>Training mode: normalises with the batch statistics (biased variance, as PyTorch),
    /// y = gamma·(x − mean)·invStd + beta, invStd = 1/√(var + epsilon); saves mean and invStd for the
    /// backward; updates running = (1 − momentum)·running + momentum·batch, using the unbiased
    /// variance (N·S/(N·S − 1)·var) for the running variance, as PyTorch and cuDNN do. With a single
    /// value per channel (N·S = 1) the running statistics are left unchanged (PyTorch refuses that case).</summary>
    void BatchNormForwardTraining(Tensor x, Tensor gamma, Tensor beta, Tensor y, Tensor runningMean, Tensor runningVariance,
        Tensor saveMean, Tensor saveInvStd, float momentum, float epsilon);

    /// <summary>Inference mode: y = gamma·(x − runningMean)/√(runningVariance + epsilon) + beta.</summary>
    void BatchNormForwardInference(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVariance, Tensor y, float epsilon);

    /// <summary>Gradients of the training-mode forward given dy, with the mean/invStd it saved:
    /// dBeta = Σ dy, dGamma = Σ dy·x̂, dx = gamma·invStd/M·(M·dy − dBeta − x̂·dGamma), M = N·S.
    /// dx, dGamma, dBeta are overwritten.</summary>
    void BatchNormBackward(Tensor x, Tensor dy, Tensor gamma, Tensor saveMean, Tensor saveInvStd, Tensor dx, Tensor dGamma, Tensor dBeta);

    /// <summary>y[n, c, ...] = x[n, c, ...]·scale[n, c] (scale holds N·C values; Dropout2d's channel mask,
    /// forward and backward alike). y may alias x.</summary>
    void ScaleChannels(Tensor x, Tensor scale, Tensor y);
}
