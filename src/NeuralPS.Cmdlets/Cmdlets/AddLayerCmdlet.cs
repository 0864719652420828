using System.Management.Automation;
using NeuralPS.Cmdlets.Commands;
using NeuralPS.Core;
using NeuralPS.Core.Layers;

namespace NeuralPS.Cmdlets;

/// <summary>Add-Layer [-Type] &lt;type&gt; ... -Network &lt;Network&gt; (from the pipeline): appends a
/// layer and writes the same network, so Add-Layer calls chain in one pipeline. Without a network
/// (inside a Residual -Layers script block) it writes the layer's spec, which Residual collects;
/// specs piped in are passed through first, so "Add-Layer Conv2d ... | Add-Layer BatchNorm" inside
/// the block yields both.</summary>
[Cmdlet(VerbsCommon.Add, "Layer", DefaultParameterSetName = SpecSet)]
[OutputType(typeof(Network), ParameterSetName = new[] { NetworkSet })]
[OutputType(typeof(LayerSpec), ParameterSetName = new[] { SpecSet })]
public sealed class AddLayerCmdlet : NeuralCmdlet
{
    private const string NetworkSet = "Network";
    private const string SpecSet = "Spec";

    /// <summary>The layer type word.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateSet("Dense", "Activation", "Dropout", "Flatten", "Conv2d", "MaxPool2d", "AvgPool2d", "GlobalAvgPool2d",
        "BatchNorm", "Dropout2d", "Residual", "SimpleRNN", "LSTM", "GRU", "Embedding", "TextVectorization", IgnoreCase = true)]
    public string Type { get; set; } = string.Empty;

    /// <summary>The network to extend (usually from the pipeline).</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = NetworkSet)]
    [ValidateNotNull]
    public Network? Network { get; set; }

    /// <summary>Layer specs written by an earlier Add-Layer without a network (passed through).</summary>
    [Parameter(ValueFromPipeline = true, ParameterSetName = SpecSet)]
    [ValidateNotNull]
    public LayerSpec? InputSpec { get; set; }

    /// <summary>Dense: number of outputs; SimpleRNN, LSTM, GRU: size of the hidden state (per direction).</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int Units { get; set; }

    /// <summary>Dense, Conv2d (fused) and Activation: None/Linear, ReLU, LeakyReLU, Sigmoid, Tanh, Softmax, GELU (exact, erf),
    /// GELUTanh (tanh approximation), ELU, SELU, SiLU (= Swish), Softplus, HardSigmoid, HardSwish.</summary>
    [Parameter]
    [ValidateSet("None", "Linear", "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "Softmax", "GELU", "GELUTanh", "ELU", "SELU", "SiLU", "Swish", "Softplus", "HardSigmoid", "HardSwish", IgnoreCase = true)]
    public string? Activation { get; set; }

    /// <summary>LeakyReLU slope (default 0.01) or ELU's alpha (default 1).</summary>
    [Parameter]
    [ValidateNumber(double.MinValue, double.MaxValue)]
    public double Alpha { get; set; }

    /// <summary>Activation Softplus: beta (default 1), as torch.nn.Softplus.</summary>
    [Parameter]
    [ValidateNumber(0, double.MaxValue, MinimumExclusive = true)]
    public double Beta { get; set; }

    /// <summary>Activation Softplus: above beta·x &gt; threshold the output is x (default 20), as torch.nn.Softplus.</summary>
    [Parameter]
    [ValidateNumber(double.MinValue, double.MaxValue)]
    public double Threshold { get; set; }

    /// <summary>Activation Softmax: the dimension it normalises, counted with the batch as torch.nn.Softmax(dim): -1 (default) the last, 1 the channels of (channels, height, width).</summary>
    [Parameter]
    [ValidateRange(-32, 32)]
    public int Axis { get; set; }

    /// <summary>Dense, Conv2d, SimpleRNN, LSTM, GRU: no bias term.</summary>
    [Parameter]
    public SwitchParameter NoBias { get; set; }

    /// <summary>Dense: how the first weights and bias are drawn: Auto (default; by the activation, bias zero),
    /// GlorotUniform, HeNormal, LeCunNormal, or PyTorch (torch.nn.Linear's U(±1/√in) weight and bias).</summary>
    [Parameter]
    [ValidateSet("Auto", "GlorotUniform", "HeNormal", "LeCunNormal", "PyTorch", IgnoreCase = true)]
    public string? WeightInit { get; set; }

    /// <summary>Dropout, Dropout2d: fraction of inputs (channels) zeroed during training, in [0, 1).</summary>
    [Parameter]
    [ValidateNumber(0, 1, MaximumExclusive = true)]
    public double Rate { get; set; }

    /// <summary>Conv2d: number of output channels.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int Filters { get; set; }

    /// <summary>Conv2d kernel (and pooling window): one number (square) or height,width.</summary>
    [Parameter]
    [ValidateCount(1, 2)]
    [ValidateRange(1, int.MaxValue)]
    public int[]? KernelSize { get; set; }

    /// <summary>Conv2d and pooling stride: one number or height,width (Conv2d default 1, pooling default = pool size).</summary>
    [Parameter]
    [ValidateCount(1, 2)]
    [ValidateRange(1, int.MaxValue)]
    public int[]? Stride { get; set; }

    /// <summary>Conv2d and pooling padding: a number, two numbers (height,width), 'Same' or 'Valid'.</summary>
    [Parameter]
    public object? Padding { get; set; }

    /// <summary>Conv2d dilation: one number or height,width (default 1).</summary>
    [Parameter]
    [ValidateCount(1, 2)]
    [ValidateRange(1, int.MaxValue)]
    public int[]? Dilation { get; set; }

    /// <summary>Conv2d groups (default 1; equal to the input channels for depthwise convolution).</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int Groups { get; set; }

    /// <summary>MaxPool2d, AvgPool2d window: one number or height,width (default 2).</summary>
    [Parameter]
    [ValidateCount(1, 2)]
    [ValidateRange(1, int.MaxValue)]
    public int[]? PoolSize { get; set; }

    /// <summary>BatchNorm running-statistics momentum (default 0.1, PyTorch convention).</summary>
    [Parameter]
    [ValidateNumber(0, 1)]
    public double Momentum { get; set; }

    /// <summary>BatchNorm epsilon (default 1e-5).</summary>
    [Parameter]
    [ValidateNumber(0, 1, MinimumExclusive = true)]
    public double Epsilon { get; set; }

    /// <summary>Residual: a script block of Add-Layer commands (without a network) forming the inner path.</summary>
    [Parameter]
    [ValidateNotNull]
    public ScriptBlock? Layers { get; set; }

    /// <summary>SimpleRNN, LSTM, GRU: output every time step (time, units) instead of the last one (units).</summary>
    [Parameter]
    public SwitchParameter ReturnSequences { get; set; }

    /// <summary>SimpleRNN, LSTM, GRU: a second direction reads the sequence backwards; outputs are concatenated.</summary>
    [Parameter]
    public SwitchParameter Bidirectional { get; set; }

    /// <summary>SimpleRNN, LSTM, GRU: skip steps whose features are all zero (padding), per sample.</summary>
    [Parameter]
    public SwitchParameter MaskZeroSteps { get; set; }

    /// <summary>Embedding: number of token ids (ids are 0 .. VocabularySize-1).</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int VocabularySize { get; set; }

    /// <summary>Embedding: length of each token's vector.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int Dimensions { get; set; }

    /// <summary>Embedding: the token id used for padding; its vector is zero and is not trained.</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int PaddingIndex { get; set; }

    /// <summary>TextVectorization: the most token ids, counting padding (0) and out-of-vocabulary (1) (default 20000).</summary>
    [Parameter]
    [ValidateRange(3, TextVectorization.MaxVocabulary)]
    public int MaxTokens { get; set; }

    /// <summary>TextVectorization: token ids per text; longer texts are cut, shorter ones padded with 0.</summary>
    [Parameter]
    [ValidateRange(1, TextVectorization.MaxSequenceLength)]
    public int SequenceLength { get; set; }

    /// <summary>TextVectorization: tokens are words (default) or characters.</summary>
    [Parameter]
    [ValidateSet("Word", "Character", IgnoreCase = true)]
    public string? Split { get; set; }

    /// <summary>Layer name, unique within the network (default: type_N, e.g. dense_1).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Name { get; set; }

    private LayerSpec? _spec;

    protected override void BeginProcessing()
    {
        // The spec does not depend on the pipeline input: build and validate it once (this also runs a
        // Residual -Layers script block once). Each network still gets its own layer object, because
        // LayerRegistry.Create makes a new layer from the spec on every call.
        try
        {
            _spec = LayerSpecBuilder.Build(Type, CollectParameters());
        }
        catch (Exception e) when (e is NeuralException or ArgumentException)
        {
            ThrowError(e, Type);
        }
    }

    protected override void ProcessRecord()
    {
        // ParameterSetName is only final once pipeline input is bound, so it is read here, not in BeginProcessing.
        if (ParameterSetName == SpecSet)
        {
            if (InputSpec is not null) WriteObject(InputSpec);
            return;
        }
        var network = Network!;
        try
        {
            NetworkBuilder.AddLayer(network, _spec!);
        }
        catch (Exception e) when (e is NeuralException or ArgumentException)
        {
            // Terminating: a network that cannot take the layer is a bad network, and the rest of the
            // pipeline would build on the wrong shape. Network.Add left the network unchanged.
            ThrowError(e, network);
        }
        WriteObject(network);
    }

    protected override void EndProcessing()
    {
        if (ParameterSetName == SpecSet) WriteObject(_spec);
    }

    private LayerParameters CollectParameters()
    {
        var bound = MyInvocation.BoundParameters;
        bool Has(string n) => bound.ContainsKey(n);
        List<object?>? layerOutputs = null;
        if (Layers is not null)
        {
            layerOutputs = new List<object?>();
            foreach (var o in Layers.Invoke()) layerOutputs.Add(Unwrap(o));
        }
        return new LayerParameters
        {
            Name = Name,
            Units = Has(nameof(Units)) ? Units : null,
            Activation = Activation,
            Alpha = Has(nameof(Alpha)) ? Alpha : null,
            Beta = Has(nameof(Beta)) ? Beta : null,
            Threshold = Has(nameof(Threshold)) ? Threshold : null,
            Axis = Has(nameof(Axis)) ? Axis : null,
            NoBias = Has(nameof(NoBias)) ? NoBias.IsPresent : null,
            WeightInit = WeightInit,
            Rate = Has(nameof(Rate)) ? Rate : null,
            Filters = Has(nameof(Filters)) ? Filters : null,
            KernelSize = KernelSize,
            Stride = Stride,
            Padding = UnwrapDeep(Padding),
            Dilation = Dilation,
            Groups = Has(nameof(Groups)) ? Groups : null,
            PoolSize = PoolSize,
            Momentum = Has(nameof(Momentum)) ? Momentum : null,
            Epsilon = Has(nameof(Epsilon)) ? Epsilon : null,
            Layers = layerOutputs,
            ReturnSequences = Has(nameof(ReturnSequences)) ? ReturnSequences.IsPresent : null,
            Bidirectional = Has(nameof(Bidirectional)) ? Bidirectional.IsPresent : null,
            MaskZeroSteps = Has(nameof(MaskZeroSteps)) ? MaskZeroSteps.IsPresent : null,
            VocabularySize = Has(nameof(VocabularySize)) ? VocabularySize : null,
            Dimensions = Has(nameof(Dimensions)) ? Dimensions : null,
            PaddingIndex = Has(nameof(PaddingIndex)) ? PaddingIndex : null,
            MaxTokens = Has(nameof(MaxTokens)) ? MaxTokens : null,
            SequenceLength = Has(nameof(SequenceLength)) ? SequenceLength : null,
            Split = Split,
        };
    }
}
