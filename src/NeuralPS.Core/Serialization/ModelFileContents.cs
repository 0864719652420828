namespace NeuralPS.Core.Serialization;

/// <summary>What <see cref="ModelFile.Read(string, IReadOnlyCollection{string}?)"/> found: the rebuilt network
/// and the sections the model itself does not use (checkpoint state, future optional sections), by tag.</summary>
public sealed class ModelFileContents
{
    internal ModelFileContents(Network network, int formatVersion, IReadOnlyList<ModelSection> otherSections)
    {
        Network = network;
        FormatVersion = formatVersion;
        OtherSections = otherSections;
    }

    public Network Network { get; }
    public int FormatVersion { get; }
    public IReadOnlyList<ModelSection> OtherSections { get; }

    public ModelSection? FindSection(string tag) => OtherSections.FirstOrDefault(s => s.Tag == tag);
}
