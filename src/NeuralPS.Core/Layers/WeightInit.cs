namespace NeuralPS.Core.Layers;

/// <summary>How a Dense layer draws its first weights and bias (a setting of the layer, saved with it).
/// Auto (the default, as before this setting existed): He normal for the rectifier-like activations, LeCun
/// normal for SELU, Glorot uniform otherwise, bias zero. The named ones apply whatever the activation:
/// GlorotUniform U(±√(6/(in+out))), HeNormal N(0, 2/((1+α²)·in)), LeCunNormal N(0, 1/in), all with a zero
/// bias; PyTorch is torch.nn.Linear's reset_parameters — kaiming_uniform(a=√5) for the weight, which is
/// U(±1/√in), and U(±1/√in) for the bias too — so a network matches PyTorch's defaults draw for draw in
/// distribution (NeuralPS' recurrent layers and Embedding already use PyTorch's: U(±1/√units) and N(0, 1)).</summary>
public enum WeightInit
{
    Auto = 0,
    GlorotUniform = 1,
    HeNormal = 2,
    LeCunNormal = 3,
    PyTorch = 4,
}
