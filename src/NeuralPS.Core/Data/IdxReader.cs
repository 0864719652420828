using System.Buffers.Binary;
using System.IO.Compression;
using NeuralPS.Core.Tensors;

namespace NeuralPS.Core.Data;

/// <summary>Reads idx files (the MNIST / Fashion-MNIST format), plain or gzip-compressed (detected by
/// the gzip magic bytes 1F 8B, not by the file name).
/// Layout: bytes 0–1 zero, byte 2 the element type (<see cref="IdxDataType"/>), byte 3 the number of
/// dimensions, then each dimension as a big-endian uint32, then the elements, big-endian, row-major.
/// Everything the header promises is checked; a short, long or malformed file is a
/// <see cref="DataFormatException"/> that names the file and what is wrong.</summary>
public static class IdxReader
{
    /// <summary>Largest rank accepted (the format allows 255; real files use 1–4).</summary>
    public const int MaxRank = 16;

    /// <summary>Classes named by number ("0", "1", …) when no class names are given are at most this many, or as
    /// many as there are labels if that is more: a label value decides how many names are made, so one corrupt
    /// label must not allocate billions of them (allocation stays proportional to the file).</summary>
    public const int MaxClasses = 1024;

    public static IdxArray Read(string path, int? limit = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        FileStream file;
        try
        {
            file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataFormatException($"Cannot open idx file '{path}': {e.Message}", e);
        }
        using (file) return Read(file, path, limit);
    }

    /// <summary>Reads one idx array from <paramref name="stream"/>; <paramref name="source"/> names it in errors.
    /// With <paramref name="limit"/>, only the first items are kept (the rest of the file is not read).</summary>
    public static IdxArray Read(Stream stream, string source, int? limit = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (limit is < 0) throw new InvalidConfigurationException($"Limit must be zero or positive but is {limit}.");
        Stream input = stream;
        bool gzip = false;
        try
        {
            (input, gzip) = DetectGzip(stream, source);
            return ReadCore(input, source, gzip, limit);
        }
        catch (InvalidDataException e)
        {
            throw new DataFormatException($"'{source}' is not a valid gzip stream: {e.Message}", e);
        }
        catch (IOException e) when (e is not EndOfStreamException)
        {
            throw new DataFormatException($"Cannot read idx file '{source}': {e.Message}", e);
        }
        finally
        {
            if (gzip) input.Dispose();
        }
    }

    private static (Stream Input, bool Gzip) DetectGzip(Stream stream, string source)
    {
        Span<byte> magic = stackalloc byte[2];
        if (!stream.CanSeek)
        {
            // Buffer non-seekable streams so the magic bytes can be looked at and put back.
            var copy = new MemoryStream();
            stream.CopyTo(copy);
            copy.Position = 0;
            stream = copy;
        }
        long start = stream.Position;
        int got = stream.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
        stream.Position = start;
        if (got == 0) throw new DataFormatException($"Idx file '{source}' is empty.");
        bool gzip = got == 2 && magic[0] == 0x1F && magic[1] == 0x8B;
        return gzip ? (new GZipStream(stream, CompressionMode.Decompress, leaveOpen: true), true) : (stream, false);
    }

    private static IdxArray ReadCore(Stream input, string source, bool gzip, int? limit)
    {
        string what = gzip ? $"Idx file '{source}' (gzip)" : $"Idx file '{source}'";
        Span<byte> head = stackalloc byte[4];
        int got = input.ReadAtLeast(head, 4, throwOnEndOfStream: false);
        if (got == 0) throw new DataFormatException($"{what} is empty.");
        if (got < 4) throw new DataFormatException($"{what} is truncated: it ends after {got} bytes, inside the 4-byte idx header.");
        if (head[0] != 0 || head[1] != 0)
            throw new DataFormatException($"{what} is not an idx file: it must start with two zero bytes but starts with 0x{head[0]:X2} 0x{head[1]:X2}.");
        var type = (IdxDataType)head[2];
        if (!Enum.IsDefined(type))
            throw new DataFormatException($"{what} has unknown element type code 0x{head[2]:X2} in byte 2 (known: 0x08 ubyte, 0x09 sbyte, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64).");
        int rank = head[3];
        if (rank == 0 || rank > MaxRank)
            throw new DataFormatException($"{what} declares {rank} dimensions in byte 3; expected 1 to {MaxRank}.");

        var dimBytes = new byte[4 * rank];
        got = input.ReadAtLeast(dimBytes, dimBytes.Length, throwOnEndOfStream: false);
        if (got < dimBytes.Length)
            throw new DataFormatException($"{what} is truncated: its header declares {rank} dimensions ({4 + dimBytes.Length} header bytes) but the file ends after {4 + got} bytes.");
        var dims = new int[rank];
        double itemSizeExact = 1; // double: 16 dimensions of 2^31 overflow a long
        for (int i = 0; i < rank; i++)
        {
            uint d = BinaryPrimitives.ReadUInt32BigEndian(dimBytes.AsSpan(4 * i));
            if (d > int.MaxValue) throw new DataFormatException($"{what}: dimension {i} is {d}, larger than {int.MaxValue}.");
            dims[i] = (int)d;
            if (i > 0) itemSizeExact *= d;
        }
        if (rank > 1 && itemSizeExact == 0)
            throw new DataFormatException($"{what}: dimensions [{string.Join(", ", dims)}] describe items with no elements.");
        int elementSize = IdxArray.ElementSize(type);
        int declaredCount = dims[0];
        int count = limit is int l ? Math.Min(l, declaredCount) : declaredCount;
        double bytesDeclaredExact = declaredCount * itemSizeExact * elementSize;
        if (itemSizeExact > int.MaxValue || count * itemSizeExact * elementSize > Array.MaxLength)
            throw new DataFormatException($"{what}: dimensions [{string.Join(", ", dims)}] describe {bytesDeclaredExact:N0} bytes, more than one array can hold; read fewer items with a limit.");
        long itemSize = (long)itemSizeExact;
        long bytesWanted = count * itemSize * elementSize;
        long bytesDeclared = declaredCount * itemSize * elementSize;

        var bytes = ReadData(input, bytesWanted, out long gotBytes);
        if (bytes is null)
        {
            long items = gotBytes / Math.Max(1, itemSize * elementSize);
            throw new DataFormatException($"{what} is truncated: its header declares {declaredCount} items of [{string.Join(", ", dims[1..])}] {type} ({bytesDeclared:N0} data bytes) but the data ends after {gotBytes:N0} bytes ({items} whole items).");
        }
        if (count == declaredCount)
        {
            Span<byte> extra = stackalloc byte[1];
            if (input.Read(extra) > 0)
                throw new DataFormatException($"{what} has data after the {declaredCount} items its header declares; the header or the file is wrong.");
        }
        dims[0] = count;
        return new IdxArray(source, type, dims, bytes);
    }

    /// <summary>Exactly <paramref name="wanted"/> data bytes, or null (with the bytes that were there) when the
    /// input ends first. Never allocates for bytes that are not there: a seekable input is checked against its
    /// length first; a gzip stream (whose length is unknown until it is read) is read into a buffer that grows
    /// with what arrives, so a 16-byte header that claims a gigabyte costs kilobytes, not a gigabyte.</summary>
    private static byte[]? ReadData(Stream input, long wanted, out long got)
    {
        if (input.CanSeek)
        {
            long available = Math.Max(0, input.Length - input.Position);
            if (available < wanted)
            {
                got = available;
                return null;
            }
            var exact = new byte[wanted];
            got = input.ReadAtLeast(exact, exact.Length, throwOnEndOfStream: false);
            return got == wanted ? exact : null;
        }
        var buffer = new byte[Math.Min(wanted, 1L << 12)];
        got = 0;
        while (got < wanted)
        {
            if (got == buffer.Length)
                Array.Resize(ref buffer, (int)Math.Min(wanted, 2L * buffer.Length)); // at most twice what arrived
            int n = input.Read(buffer, (int)got, (int)Math.Min(buffer.Length - got, int.MaxValue));
            if (n == 0) return null;
            got += n;
        }
        return buffer;
    }

    /// <summary>Reads features (e.g. train-images-idx3-ubyte.gz) and optionally labels (an idx1 file with
    /// one integer per item) into a dataset. Features are multiplied by <see cref="IdxReadOptions.Scale"/>
    /// (a <see cref="FeaturePreprocessor"/> recording it is attached) and shaped [N, 1, H, W] for
    /// images, or [N, H·W] with <see cref="IdxReadOptions.Flatten"/>.</summary>
    public static Dataset ReadDataset(string featuresPath, string? labelsPath = null, IdxReadOptions? options = null)
    {
        options ??= new IdxReadOptions();
        var features = Read(featuresPath, options.Limit);
        IdxArray? labels = labelsPath is null ? null : Read(labelsPath, options.Limit);
        return ToDataset(features, labels, options);
    }

    /// <summary>Builds a dataset from arrays already read (see <see cref="ReadDataset"/>).</summary>
    public static Dataset ToDataset(IdxArray features, IdxArray? labels, IdxReadOptions? options = null)
    {
        options ??= new IdxReadOptions();
        int n = features.Count;
        int[] itemDims = features.Dimensions.Skip(1).ToArray();
        Shape sample = options.Flatten || itemDims.Length == 0 ? new Shape(Math.Max(1, features.ItemSize))
            : itemDims.Length == 2 ? new Shape(1, itemDims[0], itemDims[1])
            : new Shape(itemDims);
        var tensor = new Tensor(sample.WithBatch(n));
        features.CopyTo(tensor.Span, options.Scale);

        int[]? classLabels = null;
        IReadOnlyList<string>? names = null;
        if (labels is not null)
        {
            if (labels.ItemSize != 1)
                throw new DataFormatException($"Label file '{labels.Source}' must hold one value per item (an idx1 file) but has items of [{string.Join(", ", labels.Dimensions.Skip(1))}].");
            if (labels.Count != n)
                throw new DataFormatException($"Label file '{labels.Source}' has {labels.Count} labels but feature file '{features.Source}' has {n} items.");
            classLabels = labels.ToInt32Array();
            int max = -1;
            for (int i = 0; i < classLabels.Length; i++)
            {
                if (classLabels[i] < 0)
                    throw new DataFormatException($"Label file '{labels.Source}': item {i} has negative label {classLabels[i]}.");
                max = Math.Max(max, classLabels[i]);
            }
            if (options.ClassNames is { } given)
            {
                if (max >= given.Count)
                    throw new DataFormatException($"Label file '{labels.Source}' has label {max} but only {given.Count} class names were given ({string.Join(", ", given)}).");
                names = given.ToArray();
            }
            else
            {
                if (max >= Math.Max(MaxClasses, classLabels.Length))
                    throw new DataFormatException($"Label file '{labels.Source}' has label {max}, which would make {(long)max + 1:N0} classes for {classLabels.Length:N0} labels; without class names at most {Math.Max(MaxClasses, classLabels.Length):N0} are made. Check the file, or give the class names.");
                var generated = new string[max + 1];
                for (int i = 0; i < generated.Length; i++) generated[i] = i.ToString(System.Globalization.CultureInfo.InvariantCulture);
                names = generated;
            }
        }

        string name = options.Name ?? StemOf(features.Source);
        return new Dataset(tensor, classLabels, null, names, name)
        {
            Preprocessor = new FeaturePreprocessor(null, options.Scale, null, null),
        };
    }

    private static string StemOf(string source)
    {
        string file = Path.GetFileName(source);
        if (file.EndsWith(".gz", StringComparison.OrdinalIgnoreCase)) file = file[..^3];
        return string.IsNullOrEmpty(file) ? "idx" : file;
    }
}
