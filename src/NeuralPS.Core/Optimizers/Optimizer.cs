using NeuralPS.Core.Backends;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Tensors;

namespace NeuralPS.Core.Optimizers;

/// <summary>Updates parameters from their gradients. <see cref="Bind(IReadOnlyList{Parameter}, IReadOnlyList{string}?)"/>
/// creates the per-parameter state tensors once (zeros); each <see cref="Step"/> is one fused backend pass
/// per parameter and allocates nothing. Weight decay applies only to parameters with
/// ApplyWeightDecay (weights, not biases or normalisation scales). The state (named tensors and the
/// step count) is exposed for checkpoints and can be restored with <see cref="RestoreState"/>.</summary>
public abstract class Optimizer
{
    private Parameter[] _parameters = Array.Empty<Parameter>();
    private string[] _parameterNames = Array.Empty<string>();
    private Tensor[][] _state = Array.Empty<Tensor[]>();
    private double _learningRate;

    protected Optimizer(double learningRate, double weightDecay)
    {
        LearningRate = learningRate;
        if (!(weightDecay >= 0) || double.IsInfinity(weightDecay))
            throw new InvalidConfigurationException($"{GetType().Name}: weight decay must be zero or positive but is {weightDecay}.");
        WeightDecay = weightDecay;
    }

    /// <summary>"SGD", "Adam", "AdamW", "RMSprop".</summary>
    public abstract string Name { get; }

    /// <summary>Current learning rate (a schedule may change it between steps).</summary>
    public double LearningRate
    {
        get => _learningRate;
        set
        {
            if (!(value > 0) || double.IsInfinity(value))
                throw new InvalidConfigurationException($"{Name}: the learning rate must be a positive number but is {value}.");
            _learningRate = value;
        }
    }

    public double WeightDecay { get; }

    /// <summary>Number of updates made so far (Adam's bias correction uses it).</summary>
    public long StepCount { get; private set; }

    public IReadOnlyList<Parameter> Parameters => _parameters;
    public bool IsBound => _parameters.Length > 0;

    /// <summary>Names of the state tensors each parameter gets ("m", "v"; "velocity"; ...).</summary>
    protected abstract string[] StateNames { get; }

    /// <summary>Attaches the optimizer to a network's trainable parameters (frozen layers' are left out, so their
    /// values and state are never touched), named "layer.parameter".</summary>
    public void Bind(Network network)
    {
        ArgumentNullException.ThrowIfNull(network);
        var ps = new List<Parameter>();
        var names = new List<string>();
        foreach (var layer in network.Layers)
        {
            foreach (var p in layer.TrainableParameters)
            {
                ps.Add(p);
                names.Add($"{layer.Name}.{p.Name}");
            }
        }
        Bind(ps, names);
    }

    /// <summary>Attaches the optimizer to parameters and creates their (zero) state.</summary>
    public void Bind(IReadOnlyList<Parameter> parameters, IReadOnlyList<string>? names = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (names is not null && names.Count != parameters.Count)
            throw new ArgumentException($"{parameters.Count} parameters but {names.Count} names.", nameof(names));
        var stateNames = StateNames;
        _parameters = parameters.ToArray();
        _parameterNames = new string[_parameters.Length];
        _state = new Tensor[_parameters.Length][];
        for (int i = 0; i < _parameters.Length; i++)
        {
            _parameterNames[i] = names?[i] ?? $"p{i}";
            _state[i] = new Tensor[stateNames.Length];
            for (int s = 0; s < stateNames.Length; s++) _state[i][s] = new Tensor(_parameters[i].Shape); // zeroed
        }
        StepCount = 0;
    }

    /// <summary>One update of every bound parameter from its current gradient.</summary>
    public void Step(IBackend backend)
    {
        if (!IsBound) throw new InvalidOperationException($"{Name}: Step before Bind.");
        StepCount++;
        float lr = (float)LearningRate;
        for (int i = 0; i < _parameters.Length; i++)
        {
            var p = _parameters[i];
            Update(backend, p, _state[i], lr, p.ApplyWeightDecay ? (float)WeightDecay : 0f, StepCount);
        }
    }

    /// <summary>Updates one parameter in place. <paramref name="state"/> holds the tensors named by
    /// <see cref="StateNames"/>; <paramref name="step"/> counts from 1.</summary>
    protected abstract void Update(IBackend backend, Parameter parameter, Tensor[] state, float learningRate, float weightDecay, long step);

    /// <summary>The state for a checkpoint: "parameterName.stateName" → tensor (live, not copies), in a fixed order.</summary>
    public IReadOnlyList<(string Name, Tensor Value)> State
    {
        get
        {
            var stateNames = StateNames;
            var list = new List<(string, Tensor)>(_parameters.Length * stateNames.Length);
            for (int i = 0; i < _parameters.Length; i++)
                for (int s = 0; s < stateNames.Length; s++) list.Add(($"{_parameterNames[i]}.{stateNames[s]}", _state[i][s]));
            return list;
        }
    }

    /// <summary>Restores a checkpoint's state (copied into the bound state tensors, matched by name).
    /// Every state tensor must be present with the same shape, else nothing is changed.</summary>
    public void RestoreState(long stepCount, IReadOnlyList<(string Name, Tensor Value)> state)
    {
        if (stepCount < 0) throw new ModelFileException($"{Name}: negative step count {stepCount} in optimizer state.");
        var byName = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (n, t) in state) byName[n] = t;
        var mine = State;
        foreach (var (n, t) in mine)
        {
            if (!byName.TryGetValue(n, out var saved))
                throw new ModelFileException($"{Name}: the saved optimizer state has no tensor '{n}'.");
            if (saved.Shape != t.Shape)
                throw new ModelFileException($"{Name}: optimizer state '{n}' has shape {saved.Shape} but the parameter needs {t.Shape}.");
        }
        foreach (var (n, t) in mine) byName[n].Span.CopyTo(t.Span);
        StepCount = stepCount;
    }

    protected static float CheckedFraction(double value, string what, string optimizer)
    {
        if (!(value >= 0 && value < 1))
            throw new InvalidConfigurationException($"{optimizer}: {what} must be in [0, 1) but is {value}.");
        return (float)value;
    }

    public override string ToString() => $"{Name}(lr={LearningRate:G})";
}
