using NeuralPS.Core.Layers;

namespace NeuralPS.Core.Serialization;

/// <summary>Encodes a <see cref="LayerSpec"/> tree: type word, name, settings as (key, value tag, value)
/// with tags for long, double, bool, string and int[] only (no .NET type names), then the children.</summary>
internal static class LayerSpecCodec
{
    /// <summary>Deeper nesting than this is refused (no real network nests so deep; a hostile file could try).</summary>
    public const int MaxDepth = 32;

    private const byte TagLong = 1, TagDouble = 2, TagBool = 3, TagString = 4, TagInts = 5;

    public static void Write(ModelBinaryWriter w, LayerSpec spec, int depth = 0)
    {
        if (depth > MaxDepth) throw new ModelFileException($"Layer '{spec.Name}' is nested more than {MaxDepth} levels deep; the model file cannot hold it.");
        w.WriteString(spec.Type);
        w.WriteString(spec.Name ?? string.Empty);
        w.WriteInt32(spec.Settings.Count);
        foreach (var (key, value) in spec.Settings)
        {
            w.WriteString(key);
            switch (value)
            {
                case long l: w.WriteByte(TagLong); w.WriteInt64(l); break;
                case double d: w.WriteByte(TagDouble); w.WriteDouble(d); break;
                case bool b: w.WriteByte(TagBool); w.WriteBool(b); break;
                case string s: w.WriteByte(TagString); w.WriteString(s); break;
                case int[] a: w.WriteByte(TagInts); w.WriteInt32s(a); break;
                default:
                    throw new ModelFileException($"Layer '{spec.Name}' ({spec.Type}) setting '{key}' has type {value?.GetType().Name ?? "null"}, which a model file cannot store (only integers, numbers, booleans, strings and integer lists).");
            }
        }
        w.WriteInt32(spec.Children.Count);
        foreach (var child in spec.Children) Write(w, child, depth + 1);
    }

    public static LayerSpec Read(ModelBinaryReader r, int depth = 0)
    {
        if (depth > MaxDepth) throw r.Error($"layers are nested more than {MaxDepth} levels deep");
        string type = r.ReadString("a layer type");
        string name = r.ReadString("a layer name");
        if (type.Length == 0) throw r.Error("a layer has an empty type");
        var spec = new LayerSpec(type, name);
        int settings = r.ReadCount($"the settings of layer '{name}'", 5);
        for (int i = 0; i < settings; i++)
        {
            string key = r.ReadString($"a setting name of layer '{name}'");
            byte tag = r.ReadByte($"the type of setting '{key}'");
            object value = tag switch
            {
                TagLong => r.ReadInt64(key),
                TagDouble => r.ReadDouble(key),
                TagBool => r.ReadBool(key),
                TagString => r.ReadString(key),
                TagInts => r.ReadInt32s(key),
                _ => throw r.Error($"setting '{key}' of layer '{name}' has unknown value type {tag}"),
            };
            if (spec.Settings.ContainsKey(key)) throw r.Error($"layer '{name}' has setting '{key}' twice");
            spec.Settings[key] = value;
        }
        int children = r.ReadCount($"the inner layers of layer '{name}'", 13);
        for (int i = 0; i < children; i++) spec.Children.Add(Read(r, depth + 1));
        return spec;
    }
}
