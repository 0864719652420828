using System.Buffers.Binary;
using System.Security.Cryptography;
using NeuralPS.Core.Layers;
using NeuralPS.Core.Tensors;

namespace NeuralPS.Core.Serialization;

/// <summary>The NeuralPS model file: architecture, weights, buffers, feature preprocessing, class names
/// and epochs trained, in a versioned, checksummed binary container with no .NET type names inside
/// (layers are rebuilt from type words through <see cref="LayerRegistry"/>, so nothing in a file can choose
/// code to run).
///
/// Layout (little-endian):
/// <code>
///   0  8  magic "NPSMODEL"
///   8  2  format version (uint16; this build writes 2 and reads ≤ 2)
///  10  2  flags (uint16, 0)
///  12  8  payload length in bytes (uint64)
///  20 32  SHA-256 of bytes 0..19 followed by the payload
///  52  …  payload: sections, each = tag (4 ASCII bytes) · flags (uint32, bit 0 = required) · length (uint64) · data
/// </code>
/// Sections of versions 1 and 2: ARCH (required: name, seed, input shape, epochs trained, layer specs with
/// children), WGHT (required: per layer, its parameters and buffers: name, shape, float32 data), PREP
/// (feature preprocessing), CLAS (class names), SERI (a forecasting network's series: properties, window,
/// horizon, scaling; written only for such networks and marked required, so a NeuralPS that predates it
/// refuses the file instead of forecasting in the wrong units). A reader skips unknown sections unless they are marked
/// required, so checkpoints (optimizer state, random state) and later additions fit in without a new
/// version; a required section it does not know means the file needs a newer NeuralPS.
///
/// Saving writes a temporary file in the target folder and renames it over the target, so the old file
/// survives any failure. Loading validates everything (magic, version, length, checksum, every section,
/// each rebuilt layer's parameter names and shapes) before it returns a network; any fault is a
/// <see cref="ModelFileException"/> saying what is wrong.</summary>
public static class ModelFile
{
    /// <summary>The format version this build writes (and the newest it reads). 2: "GELU" is the exact (erf) form
    /// and the tanh form is "GELUTanh" (format 1's "GELU" was the tanh form; such files are read as GELUTanh),
    /// layers may be marked frozen, Activation layers may carry beta, threshold and axis. The container is
    /// unchanged, so version 1 files load as before.</summary>
    public const int FormatVersion = 2;

    /// <summary>Conventional file extension.</summary>
    public const string Extension = ".npsm";

    public const string ArchitectureTag = "ARCH";
    public const string WeightsTag = "WGHT";
    public const string PreprocessorTag = "PREP";
    public const string ClassNamesTag = "CLAS";
    public const string SeriesTag = "SERI";

    internal static ReadOnlySpan<byte> Magic => "NPSMODEL"u8;
    internal const int HeaderSize = 52;
    private const int HashedHeaderBytes = 20;
    private const uint RequiredFlag = 1;

    private static readonly string[] ModelTags = { ArchitectureTag, WeightsTag, PreprocessorTag, ClassNamesTag, SeriesTag };

    // ---------------------------------------------------------------- save

    /// <summary>Saves <paramref name="network"/> to <paramref name="path"/> atomically (temporary file + rename;
    /// an existing file is replaced only once the new one is complete). <paramref name="extraSections"/> are
    /// written after the model's own (e.g. checkpoint state).
    /// A network with NaN or ±Inf in its weights or buffers is refused (a ModelFileException naming the layer)
    /// unless <paramref name="allowNonFinite"/>: such a model predicts nothing useful, and saving it usually
    /// hides a training that diverged.</summary>
    public static void Save(Network network, string path, IEnumerable<ModelSection>? extraSections = null, bool allowNonFinite = false) =>
        Save(network, path, extraSections, wrapStream: null, allowNonFinite);

    /// <summary>Writes the model file to <paramref name="stream"/> (not atomic: the caller owns the stream).</summary>
    public static void Save(Network network, Stream stream, IEnumerable<ModelSection>? extraSections = null, bool allowNonFinite = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        byte[] file = Encode(network, extraSections, allowNonFinite);
        stream.Write(file);
    }

    /// <summary>The complete file image of <paramref name="network"/> (non-finite weights refused unless
    /// <paramref name="allowNonFinite"/>).</summary>
    public static byte[] Encode(Network network, IEnumerable<ModelSection>? extraSections = null, bool allowNonFinite = false)
    {
        ArgumentNullException.ThrowIfNull(network);
        if (!allowNonFinite) RefuseNonFinite(network);
        var sections = NetworkSections.Encode(network);
        var tags = new HashSet<string>(ModelTags, StringComparer.Ordinal);
        foreach (var s in extraSections ?? Array.Empty<ModelSection>())
        {
            if (!tags.Add(s.Tag)) throw new ArgumentException($"Section '{s.Tag}' is already in the model file; each tag may appear once.", nameof(extraSections));
            sections.Add(s);
        }
        long payloadLength = 0;
        foreach (var s in sections) payloadLength += 16 + s.Data.Length;
        if (HeaderSize + payloadLength > Array.MaxLength)
            throw new ModelFileException($"Network '{network.Name}' is too large for one model file ({payloadLength:N0} bytes).");

        var file = new byte[HeaderSize + payloadLength];
        var span = file.AsSpan();
        Magic.CopyTo(span);
        BinaryPrimitives.WriteUInt16LittleEndian(span[8..], FormatVersion);
        BinaryPrimitives.WriteUInt16LittleEndian(span[10..], 0);
        BinaryPrimitives.WriteUInt64LittleEndian(span[12..], (ulong)payloadLength);
        int at = HeaderSize;
        foreach (var s in sections)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(span[at..], ModelSection.Encode(s.Tag));
            BinaryPrimitives.WriteUInt32LittleEndian(span[(at + 4)..], s.Required ? RequiredFlag : 0u);
            BinaryPrimitives.WriteUInt64LittleEndian(span[(at + 8)..], (ulong)s.Data.Length);
            s.Data.CopyTo(span[(at + 16)..]);
            at += 16 + s.Data.Length;
        }
        ComputeHash(file, span[20..52]);
        return file;
    }

    private static void RefuseNonFinite(Network network)
    {
        foreach (var layer in network.Layers)
        {
            foreach (var p in layer.Parameters)
            {
                int bad = FiniteCheck.CountNonFinite(p.Value.Span);
                if (bad > 0) throw NonFinite(network, layer, "parameter", p.Name, bad, p.Value.Size);
            }
            foreach (var (name, value) in layer.Buffers)
            {
                int bad = FiniteCheck.CountNonFinite(value.Span);
                if (bad > 0) throw NonFinite(network, layer, "buffer", name, bad, value.Size);
            }
        }
    }

    private static ModelFileException NonFinite(Network network, Layer layer, string kind, string name, int bad, int size) =>
        new($"Network '{network.Name}' was not saved: {kind} '{name}' of layer '{layer.Name}' ({layer.Type}) has {bad:N0} of {size:N0} values that are NaN or infinite, so the model cannot predict. Retrain it (a lower learning rate, finite inputs), or save it anyway with -AllowNonFinite (allowNonFinite: true).");

    /// <summary>Test seam: <paramref name="wrapStream"/> wraps the temporary file's stream (to inject a failure).</summary>
    internal static void Save(Network network, string path, IEnumerable<ModelSection>? extraSections, Func<Stream, Stream>? wrapStream, bool allowNonFinite = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] file = Encode(network, extraSections, allowNonFinite);
        WriteAtomically(path, file, wrapStream);
    }

    /// <summary>Writes <paramref name="contents"/> atomically over <paramref name="path"/> (<see cref="AtomicFile"/>;
    /// also used for checkpoints), as a ModelFileException when it cannot.</summary>
    internal static void WriteAtomically(string path, byte[] contents, Func<Stream, Stream>? wrapStream)
    {
        string full = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(full) ?? ".";
        if (!Directory.Exists(directory))
            throw new ModelFileException($"Cannot save model file '{path}': the folder '{directory}' does not exist.");
        if (Directory.Exists(full))
            throw new ModelFileException($"Cannot save model file '{path}': it is a folder.");
        try
        {
            AtomicFile.Write(full, contents, wrapStream);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            throw new ModelFileException($"Cannot save model file '{path}': {e.Message} Any previous file there is unchanged.", e);
        }
    }

    // ---------------------------------------------------------------- load

    /// <summary>Loads a network saved by <see cref="Save(Network, string, IEnumerable{ModelSection}?)"/>.</summary>
    public static Network Load(string path) => Read(path).Network;

    public static Network Load(Stream stream, string? source = null) => Read(stream, source).Network;

    /// <summary>Loads a network and the file's other sections. Sections marked required whose tags are in
    /// <paramref name="understoodTags"/> (e.g. a checkpoint's) are accepted; other unknown required
    /// sections make the file unreadable by this version.</summary>
    public static ModelFileContents Read(string path, IReadOnlyCollection<string>? understoodTags = null) =>
        Decode(ReadAllBytes(path), path, understoodTags, LayerRegistry.Create);

    public static ModelFileContents Read(Stream stream, string? source = null, IReadOnlyCollection<string>? understoodTags = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return Decode(ReadAllBytes(stream, source ?? "model stream"), source ?? "model stream", understoodTags, LayerRegistry.Create);
    }

    /// <summary>Test seam: rebuild layers with <paramref name="layerFactory"/> instead of the registry.</summary>
    internal static ModelFileContents Decode(byte[] file, string source, IReadOnlyCollection<string>? understoodTags, Func<LayerSpec, Layer> layerFactory)
    {
        string name = Path.GetFileName(source);
        if (string.IsNullOrEmpty(name)) name = source;
        var sections = ReadContainer(file, name, out int version);
        var known = new HashSet<string>(understoodTags ?? Array.Empty<string>(), StringComparer.Ordinal);
        var mine = new Dictionary<string, ModelSection>(StringComparer.Ordinal);
        var others = new List<ModelSection>();
        foreach (var s in sections)
        {
            if (ModelTags.Contains(s.Tag)) mine[s.Tag] = s;
            else if (s.Required && !known.Contains(s.Tag))
                throw new ModelFileException($"Model file '{name}' contains a section '{s.Tag}' that this version of NeuralPS does not understand and the file marks as required; it was written by a newer NeuralPS.");
            else others.Add(s);
        }
        Network network;
        try
        {
            network = NetworkSections.Decode(mine, name, layerFactory, version);
        }
        catch (OutOfMemoryException e)
        {
            // Loading allocates at most a small multiple of the file's size (see NetworkSections), so this is a
            // machine short of memory for a genuine model, not a hostile claim; say so instead of crashing.
            throw new ModelFileException($"Model file '{name}' ({file.Length:N0} bytes) cannot be loaded: not enough memory for its weights.", e);
        }
        return new ModelFileContents(network, version, others);
    }

    /// <summary>Checks the header, length and checksum, and splits the payload into sections.</summary>
    private static List<ModelSection> ReadContainer(byte[] file, string name, out int version)
    {
        if (file.Length == 0) throw new ModelFileException($"Model file '{name}' is empty.");
        int magicBytes = Math.Min(file.Length, Magic.Length);
        if (!file.AsSpan(0, magicBytes).SequenceEqual(Magic[..magicBytes]))
            throw new ModelFileException($"'{name}' is not a NeuralPS model file: it does not start with \"NPSMODEL\".");
        if (file.Length < HeaderSize)
            throw new ModelFileException($"Model file '{name}' is truncated: it has {file.Length} bytes, fewer than the {HeaderSize}-byte header.");
        var span = file.AsSpan();
        version = BinaryPrimitives.ReadUInt16LittleEndian(span[8..]);
        if (version == 0) throw new ModelFileException($"Model file '{name}' is corrupt: its format version is 0.");
        if (version > FormatVersion)
            throw new ModelFileException($"Model file '{name}' has format version {version}, written by a newer NeuralPS; this version reads format {FormatVersion}. Update NeuralPS to load it.");
        ulong payloadLength = BinaryPrimitives.ReadUInt64LittleEndian(span[12..]);
        long actual = file.Length - HeaderSize;
        if (payloadLength > (ulong)actual)
            throw new ModelFileException($"Model file '{name}' is truncated: it should have {HeaderSize + (decimal)payloadLength:N0} bytes but has {file.Length:N0}.");
        if (payloadLength < (ulong)actual)
            throw new ModelFileException($"Model file '{name}' is corrupt: {actual - (long)payloadLength:N0} unexpected bytes follow its end.");
        Span<byte> hash = stackalloc byte[32];
        ComputeHash(file, hash);
        if (!hash.SequenceEqual(span[20..52]))
            throw new ModelFileException($"Model file '{name}' is corrupt: its SHA-256 checksum does not match its contents (the file was damaged or modified after it was saved).");
        ushort flags = BinaryPrimitives.ReadUInt16LittleEndian(span[10..]);
        if (flags != 0)
            throw new ModelFileException($"Model file '{name}' uses header flags 0x{flags:X4} that this version of NeuralPS does not know; it was written by a newer NeuralPS.");

        var sections = new List<ModelSection>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        int at = HeaderSize;
        while (at < file.Length)
        {
            if (file.Length - at < 16) throw new ModelFileException($"Model file '{name}' is corrupt: a section header at byte {at} is cut short.");
            string tag = ModelSection.Decode(BinaryPrimitives.ReadUInt32LittleEndian(span[at..]));
            uint sectionFlags = BinaryPrimitives.ReadUInt32LittleEndian(span[(at + 4)..]);
            ulong length = BinaryPrimitives.ReadUInt64LittleEndian(span[(at + 8)..]);
            if (tag.StartsWith("0x", StringComparison.Ordinal))
                throw new ModelFileException($"Model file '{name}' is corrupt: the section at byte {at} has an invalid tag {tag}.");
            if (length > (ulong)(file.Length - at - 16))
                throw new ModelFileException($"Model file '{name}' is corrupt: section '{tag}' claims {length:N0} bytes but only {file.Length - at - 16:N0} remain.");
            if (!seen.Add(tag)) throw new ModelFileException($"Model file '{name}' is corrupt: section '{tag}' appears twice.");
            var data = span.Slice(at + 16, (int)length).ToArray();
            sections.Add(new ModelSection(tag, (sectionFlags & RequiredFlag) != 0, data));
            at += 16 + (int)length;
        }
        return sections;
    }

    private static void ComputeHash(byte[] file, Span<byte> destination)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(file, 0, HashedHeaderBytes);
        sha.AppendData(file, HeaderSize, file.Length - HeaderSize);
        if (!sha.TryGetHashAndReset(destination, out _)) throw new InvalidOperationException("SHA-256 produced no hash.");
    }

    private static byte[] ReadAllBytes(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (FileNotFoundException e)
        {
            throw new ModelFileException($"Model file '{path}' does not exist.", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ModelFileException($"Cannot read model file '{path}': {e.Message}", e);
        }
    }

    /// <summary>The most bytes a model stream may hold (a model file is one array; see <see cref="Encode"/>).</summary>
    public static long MaxStreamBytes => Array.MaxLength;

    private static byte[] ReadAllBytes(Stream stream, string source)
    {
        try
        {
            if (stream.CanSeek && stream.Length - stream.Position > MaxStreamBytes)
                throw new ModelFileException($"Model '{source}' has {stream.Length - stream.Position:N0} bytes, more than a model file may have ({MaxStreamBytes:N0}).");
            // Grows with the bytes that actually arrive (never with what a header claims), and stops at the limit.
            using var copy = new MemoryStream();
            var buffer = new byte[1 << 16];
            int got;
            while ((got = stream.Read(buffer, 0, buffer.Length)) > 0)
            {
                if (copy.Length + got > MaxStreamBytes)
                    throw new ModelFileException($"Model '{source}' has more than {MaxStreamBytes:N0} bytes, more than a model file may have.");
                copy.Write(buffer, 0, got);
            }
            return copy.ToArray();
        }
        catch (IOException e)
        {
            throw new ModelFileException($"Cannot read model '{source}': {e.Message}", e);
        }
    }
}
