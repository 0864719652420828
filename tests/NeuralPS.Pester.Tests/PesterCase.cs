using Xunit.Abstractions;

namespace NeuralPS.Pester.Tests;

/// <summary>One Pester It, found by discovery: its file, its path of block names as written (Template),
/// the same with its data expanded (Path, shown as the test's name), and which occurrence of that template
/// it is (an It with -ForEach is one template, many tests). Serializable, so each is its own xUnit test case.</summary>
public sealed class PesterCase : IXunitSerializable
{
    public string File { get; private set; } = "";
    public string Template { get; private set; } = "";
    public string Path { get; private set; } = "";
    public int Occurrence { get; private set; }
    public bool Skip { get; private set; }

    public PesterCase() { }

    public PesterCase(string file, string template, string path, int occurrence, bool skip)
    {
        Skip = skip;
        File = file;
        Template = template;
        Path = path;
        Occurrence = occurrence;
    }

    public string Key => $"{File}|{Template}|{Occurrence}";

    public void Deserialize(IXunitSerializationInfo info)
    {
        File = info.GetValue<string>(nameof(File));
        Template = info.GetValue<string>(nameof(Template));
        Path = info.GetValue<string>(nameof(Path));
        Occurrence = info.GetValue<int>(nameof(Occurrence));
        Skip = info.GetValue<bool>(nameof(Skip));
    }

    public void Serialize(IXunitSerializationInfo info)
    {
        info.AddValue(nameof(File), File);
        info.AddValue(nameof(Template), Template);
        info.AddValue(nameof(Path), Path);
        info.AddValue(nameof(Occurrence), Occurrence);
        info.AddValue(nameof(Skip), Skip);
    }

    public override string ToString() => $"{File}: {Path}";
}
