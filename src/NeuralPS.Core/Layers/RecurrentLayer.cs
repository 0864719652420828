using NeuralPS.Core.Backends;
using NeuralPS.Core.Tensors;

namespace NeuralPS.Core.Layers;

/// <summary>The shared machinery of <see cref="SimpleRNN"/>, <see cref="LSTM"/> and <see cref="GRU"/>: one
/// recurrent layer over inputs (batch, time, features), as torch.nn.RNN/LSTM/GRU with batch_first=True and
/// num_layers=1 (stack layers for depth). The initial state is zeros.
/// Parameters (PyTorch names and layouts, G gate blocks of units rows — see <see cref="RecurrentCellKind"/>):
/// weight_ih (G·units, features), weight_hh (G·units, units), bias_ih, bias_hh (G·units); a bidirectional
/// layer adds the same four with the suffix "_reverse" for the direction that reads time backwards.
/// Output: ReturnSequences → (time, D·units), every step's h (forward direction first, then reverse);
/// otherwise (D·units), PyTorch's h_n: the forward direction's h at the last step and the reverse
/// direction's h after it has read the whole sequence (at time 0) — as Keras' Bidirectional.
/// Initialisation: PyTorch's, every weight and bias uniform in ±1/√units.
/// MaskZeroSteps: a step whose features are all exactly zero (an Embedding's padding id, a zero-padded
/// series) is skipped per sample — the state is carried over unchanged, a sequence output is zero there and
/// the last-step output is the state after the last real step — so a padded batch gives what each sequence
/// gives alone (PyTorch's packed sequences; Keras' Masking(0) before the layer). A real step of all zeros
/// is skipped too.
///
/// Per direction, forward is: P = X·W_ihᵀ for all (batch, time) rows as one GEMM; then per step one GEMM
/// h_{t−1}·W_hhᵀ and one fused cell kernel (biases, gates, state update, output write). Backward through
/// time runs the steps in reverse with one GEMM per step for dh_{t−1}, and the weight gradients as one
/// GEMM each over all steps at the end. All buffers live on the layer and are reused: a steady-state step
/// allocates nothing. Internally states are kept in processing order (slot 0 = the zero initial state),
/// so that h_{t−1} of every step is one contiguous matrix for the dW_hh GEMM.</summary>
public abstract class RecurrentLayer : Layer
{
    /// <summary>Larger layers are refused when built or read from a file (a hostile file cannot make us
    /// allocate 4·units² floats for an absurd unit count).</summary>
    public const int MaxUnits = 1 << 14;

    /// <summary>Most values one weight matrix may hold (1 GiB of float32), checked before anything is
    /// allocated, so that a model file naming absurd units and features is refused, not attempted.</summary>
    public const long MaxWeightSize = 1L << 28;

    private readonly Direction[] _directions;
    private Parameter[] _parameters = Array.Empty<Parameter>();
    private Tensor? _input, _output, _inputGradient, _hiddenProjection, _hiddenGradient, _cellGradient, _ones, _mask;

    private sealed class Direction
    {
        public Parameter? WeightIH, WeightHH, BiasIH, BiasHH;
        public Tensor? Projection, ProjectionGradient, Hidden, Cell, Gates, HiddenProjectionGradient;
    }

    protected RecurrentLayer(int units, bool returnSequences, bool bidirectional, bool useBias, bool maskZeroSteps, string? name) : base(name)
    {
        if (units <= 0 || units > MaxUnits)
            throw new InvalidConfigurationException($"Recurrent layer{(string.IsNullOrEmpty(name) ? "" : $" '{name}'")}: units must be between 1 and {MaxUnits} but is {units}.");
        Units = units;
        ReturnSequences = returnSequences;
        Bidirectional = bidirectional;
        UseBias = useBias;
        MaskZeroSteps = maskZeroSteps;
        _directions = bidirectional ? new[] { new Direction(), new Direction() } : new[] { new Direction() };
    }

    public abstract RecurrentCellKind Cell { get; }
    public int Units { get; }
    public bool ReturnSequences { get; }
    public bool Bidirectional { get; }
    public bool UseBias { get; }
    public bool MaskZeroSteps { get; }
    private int DirectionCount => _directions.Length;
    private int GateUnits => RecurrentCells.GateCount(Cell) * Units;
    private int CachedUnits => RecurrentCells.CachedGateCount(Cell) * Units;

    public override IReadOnlyList<Parameter> Parameters => _parameters;

    public override string Details =>
        $"{Units} units" + (Bidirectional ? ", bidirectional" : "") + (ReturnSequences ? ", all steps" : ", last step") + (UseBias ? "" : ", no bias") + (MaskZeroSteps ? ", masks zero steps" : "");

    protected override Shape Configure(Shape inputShape)
    {
        if (inputShape.Rank != 2 || inputShape[0] < 1 || inputShape[1] < 1)
            throw ShapeError(inputShape, "a sequence (time, features); an Embedding layer gives one from token ids, and a flat record can be reshaped with -InputShape time,features");
        int features = inputShape[1], g = GateUnits;
        if ((long)g * Math.Max(features, Units) > MaxWeightSize)
            throw new InvalidConfigurationException(
                $"Layer '{(string.IsNullOrEmpty(Name) ? Type : Name)}' ({Type}): {Units} units over {features} features need a {g} x {Math.Max(features, Units)} weight matrix, more than {MaxWeightSize:N0} values.");
        var list = new List<Parameter>();
        for (int d = 0; d < DirectionCount; d++)
        {
            string suffix = d == 0 ? "" : "_reverse";
            var dir = _directions[d];
            dir.WeightIH = new Parameter("weight_ih" + suffix, new Shape(g, features), applyWeightDecay: true);
            dir.WeightHH = new Parameter("weight_hh" + suffix, new Shape(g, Units), applyWeightDecay: true);
            list.Add(dir.WeightIH);
            list.Add(dir.WeightHH);
            if (UseBias)
            {
                dir.BiasIH = new Parameter("bias_ih" + suffix, new Shape(g), applyWeightDecay: false);
                dir.BiasHH = new Parameter("bias_hh" + suffix, new Shape(g), applyWeightDecay: false);
                list.Add(dir.BiasIH);
                list.Add(dir.BiasHH);
            }
        }
        _parameters = list.ToArray();
        int width = DirectionCount * Units;
        return ReturnSequences ? new Shape(inputShape[0], width) : new Shape(width);
    }

    public override void Initialize(NeuralRandom random)
    {
        EnsureBuilt();
        double limit = 1.0 / Math.Sqrt(Units);
        foreach (var p in _parameters)
        {
            var v = p.Value.Span;
            for (int i = 0; i < v.Length; i++) v[i] = (float)((random.NextDouble() * 2 - 1) * limit);
        }
    }

    /// <summary>The parameter named as in PyTorch ("weight_ih", "bias_hh_reverse", ...).</summary>
    public Parameter GetParameter(string name)
    {
        foreach (var p in _parameters) if (p.Name == name) return p;
        throw new ArgumentException($"Layer '{Name}' ({Type}) has no parameter '{name}'.", nameof(name));
    }

    // x (B, T, F) -> y (B, T, D·H) or (B, D·H)
    public override Tensor Forward(Tensor input, LayerContext context)
    {
        EnsureBuilt();
        int time = InputShape[0], features = InputShape[1];
        if (input.Shape.Rank != 3 || input.Shape[1] != time || input.Shape[2] != features)
            throw new ShapeMismatchException($"Layer '{Name}' ({Type}) expects input (batch, {time}, {features}) but got {input.Shape}.");
        int batch = input.Rows, h = Units, g = GateUnits, width = DirectionCount * h;
        var backend = context.Backend;
        _input = input;
        var y = BatchBuffer.Ensure(ref _output, batch, OutputShape);
        var hp = Ensure(ref _hiddenProjection, batch * g);
        var mask = MaskZeroSteps ? ComputeMask(input, batch, time, features) : null;
        for (int d = 0; d < DirectionCount; d++)
        {
            var dir = _directions[d];
            var p = Ensure(ref dir.Projection, batch * time * g);
            var hs = Ensure(ref dir.Hidden, (time + 1) * batch * h);
            var cs = Cell == RecurrentCellKind.LSTM ? Ensure(ref dir.Cell, (time + 1) * batch * h) : null;
            var gates = CachedUnits > 0 ? Ensure(ref dir.Gates, time * batch * CachedUnits) : null;

            // P = X·W_ihᵀ over all batch·time rows, (B, T, G·H).
            backend.GemmStrided(batch * time, g, features, input, 0, features, false, dir.WeightIH!.Value, 0, features, true, p, 0, g);
            hs.Data.AsSpan(0, batch * h).Clear();
            cs?.Data.AsSpan(0, batch * h).Clear();
            for (int s = 0; s < time; s++)
            {
                int t = d == 0 ? s : time - 1 - s;
                if (s == 0) hp.Clear();
                else backend.GemmStrided(batch, g, h, hs, s * batch * h, h, false, dir.WeightHH!.Value, 0, h, true, hp, 0, g);
                bool writes = ReturnSequences || s == time - 1;
                backend.RecurrentCellForward(new RecurrentStep
                {
                    Cell = Cell, Batch = batch, Units = h,
                    InputProjection = p, InputOffset = t * g, InputStride = time * g,
                    HiddenProjection = hp, HiddenOffset = 0,
                    BiasIH = dir.BiasIH?.Value, BiasHH = dir.BiasHH?.Value,
                    Hidden = hs, CellState = cs, PreviousOffset = s * batch * h, StateOffset = (s + 1) * batch * h,
                    Gates = gates, GatesOffset = s * batch * CachedUnits,
                    Output = writes ? y : null,
                    OutputOffset = ReturnSequences ? t * width + d * h : d * h,
                    OutputStride = ReturnSequences ? time * width : width,
                    Mask = mask, MaskOffset = t, MaskStride = time, ZeroMaskedOutput = ReturnSequences,
                });
            }
        }
        return y;
    }

    // dy (B, T, D·H) or (B, D·H) -> per direction, steps in reverse: dP (B, T, G·H), dQ (T, B, G·H);
    // then dW_ih = dPᵀ·X, dW_hh = dQᵀ·H_prev, db_ih = Σ dP, db_hh = Σ dQ, dX += dP·W_ih.
    public override Tensor? Backward(Tensor outputGradient, LayerContext context, bool needInputGradient = true)
    {
        var x = _input ?? throw new InvalidOperationException($"Layer '{Name}' ({Type}): Backward before Forward.");
        if (outputGradient.Size != _output!.Size)
            throw new ShapeMismatchException($"Layer '{Name}' ({Type}): output gradient {outputGradient.Shape} does not match its output {_output.Shape}.");
        int batch = x.Rows, time = InputShape[0], features = InputShape[1], h = Units, g = GateUnits, width = DirectionCount * h;
        int rows = batch * time;
        var backend = context.Backend;
        var dh = Ensure(ref _hiddenGradient, batch * h);
        var dc = Cell == RecurrentCellKind.LSTM ? Ensure(ref _cellGradient, batch * h) : null;
        var ones = Ensure(ref _ones, rows);
        ones.Fill(1f);
        Tensor? dx = needInputGradient ? BatchBuffer.Ensure(ref _inputGradient, batch, InputShape) : null;
        for (int d = 0; d < DirectionCount; d++)
        {
            var dir = _directions[d];
            var dp = Ensure(ref dir.ProjectionGradient, rows * g);
            var dq = Ensure(ref dir.HiddenProjectionGradient, rows * g);
            dh.Clear();
            dc?.Clear();
            for (int s = time - 1; s >= 0; s--)
            {
                int t = d == 0 ? s : time - 1 - s;
                bool reads = ReturnSequences || s == time - 1;
                backend.RecurrentCellBackward(new RecurrentStep
                {
                    Cell = Cell, Batch = batch, Units = h,
                    InputProjection = dp, InputOffset = t * g, InputStride = time * g,
                    HiddenProjection = dq, HiddenOffset = s * batch * g,
                    Hidden = dir.Hidden!, CellState = dir.Cell, PreviousOffset = s * batch * h, StateOffset = (s + 1) * batch * h,
                    Gates = dir.Gates, GatesOffset = s * batch * CachedUnits,
                    OutputGradient = reads ? outputGradient : null,
                    OutputGradientOffset = ReturnSequences ? t * width + d * h : d * h,
                    OutputGradientStride = ReturnSequences ? time * width : width,
                    HiddenGradient = dh, CellGradient = dc,
                    Mask = MaskZeroSteps ? _mask : null, MaskOffset = t, MaskStride = time, ZeroMaskedOutput = ReturnSequences,
                });
                // dh_{t−1} = (the part that bypasses W_hh: GRU's z ⊙ dh_t, a masked sample's dh_t) + dQ_t·W_hh
                if (s > 0)
                    backend.GemmStrided(batch, h, g, dq, s * batch * g, g, false, dir.WeightHH!.Value, 0, h, false, dh, 0, h, beta: 1f);
            }
            // Slot s of Hidden is h_{s−1} of processing step s, so slots 0..T−1 pair with dQ's T·B rows.
            backend.GemmStrided(g, h, rows, dq, 0, g, true, dir.Hidden!, 0, h, false, dir.WeightHH!.Gradient, 0, h);
            backend.GemmStrided(g, features, rows, dp, 0, g, true, x, 0, features, false, dir.WeightIH!.Gradient, 0, features);
            if (UseBias)
            {
                backend.GemmStrided(1, g, rows, ones, 0, rows, false, dp, 0, g, false, dir.BiasIH!.Gradient, 0, g);
                backend.GemmStrided(1, g, rows, ones, 0, rows, false, dq, 0, g, false, dir.BiasHH!.Gradient, 0, g);
            }
            if (dx is not null)
                backend.GemmStrided(rows, features, g, dp, 0, g, false, dir.WeightIH.Value, 0, features, false, dx, 0, features,
                    beta: d == 0 ? 0f : 1f);
        }
        return dx;
    }

    // mask[b·T + t] = 1 when step t of sample b has a non-zero feature, else 0 (skipped).
    private Tensor ComputeMask(Tensor input, int batch, int time, int features)
    {
        var mask = Ensure(ref _mask, batch * time);
        ReadOnlySpan<float> x = input.Span;
        for (int r = 0; r < batch * time; r++)
            mask[r] = x.Slice(r * features, features).IndexOfAnyExcept(0f) >= 0 ? 1f : 0f;
        return mask;
    }

    // A flat internal buffer of n floats, re-shaped only when n changes (a Shape is built only then).
    private static Tensor Ensure(ref Tensor? buffer, int n)
    {
        if (buffer is not null && buffer.Size == n) return buffer;
        return Tensor.Ensure(ref buffer, new Shape(n));
    }

    public override LayerSpec ToSpec() => new LayerSpec(Type, Name)
        .Set("units", Units)
        .Set("returnSequences", ReturnSequences)
        .Set("bidirectional", Bidirectional)
        .Set("useBias", UseBias)
        .Set("maskZeroSteps", MaskZeroSteps);

    protected static (int Units, bool ReturnSequences, bool Bidirectional, bool UseBias, bool MaskZeroSteps, string? Name) ReadSpec(LayerSpec spec) =>
        (spec.GetInt("units"), spec.GetBool("returnSequences", false), spec.GetBool("bidirectional", false), spec.GetBool("useBias", true),
         spec.GetBool("maskZeroSteps", false), string.IsNullOrEmpty(spec.Name) ? null : spec.Name);
}
