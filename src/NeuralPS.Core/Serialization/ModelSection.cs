using System.Text;

namespace NeuralPS.Core.Serialization;

/// <summary>One tagged section of a model file: a four-character ASCII tag ("ARCH", "WGHT", …), whether a
/// reader that does not know the tag must refuse the file (<see cref="Required"/>) or may skip it, and the
/// section's bytes (encoded with <see cref="ModelBinaryWriter"/>). Checkpoints add their own sections
/// (optimizer state, random state, epoch) next to the model's.</summary>
public sealed class ModelSection
{
    public ModelSection(string tag, bool required, byte[] data)
    {
        ValidateTag(tag);
        ArgumentNullException.ThrowIfNull(data);
        Tag = tag;
        Required = required;
        Data = data;
    }

    public string Tag { get; }
    public bool Required { get; }
    public byte[] Data { get; }

    /// <summary>A reader over <see cref="Data"/>; its errors name this section.</summary>
    public ModelBinaryReader OpenReader(string source = "model file") => new(Data, $"{source}, section '{Tag}'");

    internal static void ValidateTag(string tag)
    {
        if (tag is null || tag.Length != 4 || tag.Any(c => c < 0x20 || c > 0x7E))
            throw new ArgumentException($"A section tag must be 4 printable ASCII characters but is '{tag}'.", nameof(tag));
    }

    internal static uint Encode(string tag) => BitConverter.ToUInt32(Encoding.ASCII.GetBytes(tag));

    internal static string Decode(uint tag)
    {
        var bytes = BitConverter.GetBytes(tag);
        foreach (byte b in bytes)
        {
            if (b < 0x20 || b > 0x7E) return $"0x{tag:X8}";
        }
        return Encoding.ASCII.GetString(bytes);
    }

    public override string ToString() => $"{Tag} ({Data.Length} bytes{(Required ? ", required" : string.Empty)})";
}
