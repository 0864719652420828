using NeuralPS.Core.Layers;
using NeuralPS.Core.Tensors;

namespace NeuralPS.Core.Serialization;

/// <summary>The model's own sections of a model file: ARCH (network header and layer specs), WGHT (each
/// layer's parameters and buffers, in the layer's own order), PREP (feature preprocessing) and CLAS
/// (class names). Decoding rebuilds the network from the specs and checks every tensor against the
/// rebuilt layer before copying it, so a network is returned complete or not at all.</summary>
internal static class NetworkSections
{
    public static List<ModelSection> Encode(Network network)
    {
        var sections = new List<ModelSection>();

        var arch = new ModelBinaryWriter();
        arch.WriteString(network.Name);
        arch.WriteUInt64(network.Seed);
        arch.WriteInt32s(network.InputShape.ToArray());
        arch.WriteInt32(network.EpochsTrained);
        arch.WriteInt32(network.Layers.Count);
        foreach (var layer in network.Layers) LayerSpecCodec.Write(arch, layer.Describe());
        sections.Add(new ModelSection(ModelFile.ArchitectureTag, required: true, arch.ToArray()));

        var weights = new ModelBinaryWriter();
        weights.WriteInt32(network.Layers.Count);
        foreach (var layer in network.Layers)
        {
            weights.WriteString(layer.Name);
            var parameters = layer.Parameters;
            weights.WriteInt32(parameters.Count);
            foreach (var p in parameters) WriteTensor(weights, p.Name, p.Value);
            var buffers = layer.Buffers;
            weights.WriteInt32(buffers.Count);
            foreach (var (name, value) in buffers) WriteTensor(weights, name, value);
        }
        sections.Add(new ModelSection(ModelFile.WeightsTag, required: true, weights.ToArray()));

        if (network.Preprocessor is { } pre)
        {
            var w = new ModelBinaryWriter();
            PreprocessorCodec.Write(w, pre);
            sections.Add(new ModelSection(ModelFile.PreprocessorTag, required: true, w.ToArray()));
        }
        if (network.Series is { } series)
        {
            var w = new ModelBinaryWriter();
            w.WriteStrings(series.Properties);
            w.WriteInt32(series.Window);
            w.WriteInt32(series.Horizon);
            w.WriteInt32(series.Features);
            foreach (var m in series.Mean) w.WriteDouble(m);
            foreach (var sd in series.StandardDeviation) w.WriteDouble(sd);
            sections.Add(new ModelSection(ModelFile.SeriesTag, required: true, w.ToArray()));
        }
        if (network.ClassNames is { } classes)
        {
            var w = new ModelBinaryWriter();
            w.WriteStrings(classes);
            sections.Add(new ModelSection(ModelFile.ClassNamesTag, required: true, w.ToArray()));
        }
        return sections;
    }

    /// <summary>Format 1 had one GELU, the tanh approximation, written "GELU"; since format 2 "GELU" is the exact
    /// (erf) form and the tanh form is "GELUTanh". A format-1 file keeps computing what it computed.</summary>
    private static void UpgradeFromFormat1(LayerSpec spec)
    {
        if (spec.Settings.TryGetValue("activation", out var a) && a is string name && name.Trim().Equals("GELU", StringComparison.OrdinalIgnoreCase))
            spec.Set("activation", "GELUTanh");
        foreach (var child in spec.Children) UpgradeFromFormat1(child);
    }

    private static void WriteTensor(ModelBinaryWriter w, string name, Tensor value)
    {
        w.WriteString(name);
        w.WriteInt32s(value.Shape.ToArray());
        w.WriteSingles(value.Span);
    }

    public static Network Decode(Dictionary<string, ModelSection> sections, string file, Func<LayerSpec, Layer> layerFactory, int formatVersion = ModelFile.FormatVersion)
    {
        if (!sections.TryGetValue(ModelFile.ArchitectureTag, out var archSection))
            throw new ModelFileException($"Model file '{file}' is corrupt: it has no architecture section ('{ModelFile.ArchitectureTag}').");
        if (!sections.TryGetValue(ModelFile.WeightsTag, out var weightSection))
            throw new ModelFileException($"Model file '{file}' is corrupt: it has no weights section ('{ModelFile.WeightsTag}').");

        // 1. Architecture.
        var arch = archSection.OpenReader($"Model file '{file}'");
        string name = arch.ReadString("the network name");
        ulong seed = arch.ReadUInt64("the seed");
        int[] inputDims = arch.ReadInt32s("the input shape");
        int epochs = arch.ReadInt32("the epochs trained");
        if (epochs < 0) throw arch.Error($"the epochs trained is negative ({epochs})");
        int layerCount = arch.ReadCount("the layers", 17);
        var specs = new LayerSpec[layerCount];
        for (int i = 0; i < layerCount; i++) specs[i] = LayerSpecCodec.Read(arch);
        arch.ExpectEnd();
        if (formatVersion < 2) foreach (var spec in specs) UpgradeFromFormat1(spec);

        // 2. Rebuild the layers (weights are initialised from the seed, then overwritten below).
        Network network;
        try
        {
            network = new Network(name, new Shape(inputDims), seed);
        }
        catch (NeuralException e)
        {
            throw new ModelFileException($"Model file '{file}' is corrupt: its network header is invalid: {e.Message}", e);
        }
        // Rebuilding allocates each layer's parameters and gradients (and BatchNorm's buffers and batch
        // statistics): at most twice the values the weights section can hold, which must hold every
        // parameter and buffer once. The budget refuses a layer that claims more before it is allocated, so
        // the bytes present bound what loading allocates, whatever the architecture section says.
        long budget = 2L * (weightSection.Data.Length / sizeof(float)) + MinimumBudget;
        using (AllocationBudget.Limit(budget, $"the weights section holds at most {weightSection.Data.Length / sizeof(float):N0} values ({weightSection.Data.Length:N0} bytes), fewer than the layers it describes need"))
        {
            for (int i = 0; i < specs.Length; i++)
            {
                var spec = specs[i];
                try
                {
                    var layer = layerFactory(spec);
                    if (!string.IsNullOrEmpty(spec.Name)) layer.Name = spec.Name;
                    network.Add(layer);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    throw new ModelFileException($"Model file '{file}': layer {i + 1} ('{spec.Name}', {spec.Type}) cannot be rebuilt: {e.Message}", e);
                }
            }
        }

        // 3. Weights and buffers, checked tensor by tensor against the rebuilt layers.
        var weights = weightSection.OpenReader($"Model file '{file}'");
        int weightLayers = weights.ReadInt32("the number of layers with weights");
        if (weightLayers != network.Layers.Count)
            throw weights.Error($"the weights are for {weightLayers} layers but the architecture has {network.Layers.Count}");
        foreach (var layer in network.Layers)
        {
            string layerName = weights.ReadString("a layer name");
            if (layerName != layer.Name) throw weights.Error($"weights for layer '{layerName}' where layer '{layer.Name}' was expected");
            var parameters = layer.Parameters;
            int pc = weights.ReadInt32($"the parameter count of layer '{layer.Name}'");
            if (pc != parameters.Count)
                throw weights.Error($"layer '{layer.Name}' ({layer.Type}) has {parameters.Count} parameters but the file has {pc}");
            foreach (var p in parameters) ReadTensorInto(weights, layer, "parameter", p.Name, p.Value);
            var buffers = layer.Buffers;
            int bc = weights.ReadInt32($"the buffer count of layer '{layer.Name}'");
            if (bc != buffers.Count)
                throw weights.Error($"layer '{layer.Name}' ({layer.Type}) has {buffers.Count} buffers but the file has {bc}");
            foreach (var (bufferName, value) in buffers) ReadTensorInto(weights, layer, "buffer", bufferName, value);
        }
        weights.ExpectEnd();

        // 4. Preprocessing and classes.
        if (sections.TryGetValue(ModelFile.PreprocessorTag, out var prep))
        {
            var pre = PreprocessorCodec.Read(prep.OpenReader($"Model file '{file}'"));
            if (pre.InputWidth is int width && width != network.InputShape.Size)
                throw new ModelFileException($"Model file '{file}' is corrupt: its feature preprocessing describes {width} inputs but the network takes {network.InputShape.Size}.");
            network.Preprocessor = pre;
        }
        if (sections.TryGetValue(ModelFile.ClassNamesTag, out var clas))
        {
            var r = clas.OpenReader($"Model file '{file}'");
            var classes = r.ReadStrings("the class names");
            r.ExpectEnd();
            network.ClassNames = classes;
        }
        if (sections.TryGetValue(ModelFile.SeriesTag, out var seri))
        {
            var r = seri.OpenReader($"Model file '{file}'");
            var properties = r.ReadStrings("the series properties");
            int window = r.ReadInt32("the series window");
            int horizon = r.ReadInt32("the series horizon");
            int features = r.ReadCount("the series scaling", 16);
            if (features != properties.Length) throw r.Error($"the series has {properties.Length} properties but {features} scaling statistics");
            var mean = new double[features];
            var std = new double[features];
            for (int f = 0; f < features; f++) mean[f] = r.ReadDouble("a series mean");
            for (int f = 0; f < features; f++) std[f] = r.ReadDouble("a series standard deviation");
            r.ExpectEnd();
            if (window < 1 || (long)window * features != network.InputShape.Size || network.InputShape[0] != window)
                throw r.Error($"the series' window of {window} steps of {features} properties does not fill the network's input {network.InputShape}");
            try
            {
                network.Series = new Data.SeriesPreprocessor(properties, window, horizon, mean, std);
            }
            catch (InvalidConfigurationException e)
            {
                throw r.Error($"the series settings are invalid: {e.Message}");
            }
        }
        network.EpochsTrained = epochs;
        Validate(network, file);
        return network;
    }

    // Allocations that do not scale with the weights (a tensor of 0 elements still takes one value).
    private const long MinimumBudget = 1 << 16;

    /// <summary>The checks prediction makes, made at load, so that a file that loads always predicts: the
    /// class names fit the outputs, and saved record columns produce exactly the network's inputs.</summary>
    private static void Validate(Network network, string file)
    {
        try
        {
            _ = new Metrics.OutputDecoder(network);
            if (network.Preprocessor?.RecordColumns is not null) _ = Data.RecordConverter.ForPrediction(network);
        }
        catch (Exception e) when (e is NeuralException or ArgumentException)
        {
            throw new ModelFileException($"Model file '{file}' is corrupt: {e.Message}", e);
        }
    }

    private static void ReadTensorInto(ModelBinaryReader r, Layer layer, string kind, string expectedName, Tensor target)
    {
        string name = r.ReadString($"a {kind} name of layer '{layer.Name}'");
        if (name != expectedName) throw r.Error($"layer '{layer.Name}' ({layer.Type}) expects {kind} '{expectedName}' but the file has '{name}'");
        int[] dims = r.ReadInt32s($"the shape of {kind} '{name}' of layer '{layer.Name}'");
        var shape = dims.Any(d => d < 0) ? (Shape?)null : new Shape(dims);
        if (shape is null || shape.Value != target.Shape)
            throw r.Error($"{kind} '{name}' of layer '{layer.Name}' ({layer.Type}) has shape ({string.Join(", ", dims)}) in the file but the layer needs {target.Shape}");
        r.ReadSinglesInto(target.Span, $"the values of {kind} '{name}' of layer '{layer.Name}' (shape {target.Shape})");
    }
}
