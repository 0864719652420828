namespace NeuralPS.Bench.Kernels;

/// <summary>One SGEMM problem of the benchmarks: C[m×n] = op(A)[m×k] · op(B)[k×n], row-major.</summary>
public sealed record GemmShape(string Name, bool TransA, bool TransB, int M, int N, int K, string Meaning)
{
    public double Flops => 2.0 * M * N * K;

    public string Layout => $"{(TransA ? 'T' : 'N')}{(TransB ? 'T' : 'N')} {M}x{N}x{K}";

    public int Lda => TransA ? M : K;
    public int Ldb => TransB ? K : N;
    public int ARows => TransA ? K : M;
    public int BRows => TransB ? N : K;

    /// <summary>The workloads of issue 3: square sizes and the GEMMs of the Fashion-MNIST MLP 784-256-10 at
    /// batch 128 (Dense forward X·Wᵀ, weight gradient dZᵀ·X, input gradient dZ·W).</summary>
    public static IReadOnlyList<GemmShape> All { get; } = new[]
    {
        new GemmShape("sgemm-256", false, false, 256, 256, 256, "square"),
        new GemmShape("sgemm-512", false, false, 512, 512, 512, "square"),
        new GemmShape("sgemm-1024", false, false, 1024, 1024, 1024, "square"),
        new GemmShape("sgemm-2048", false, false, 2048, 2048, 2048, "square"),
        new GemmShape("sgemm-128x784x256", false, true, 128, 256, 784, "Dense 784->256 forward, batch 128: Y = X·Wᵀ (NT)"),
        new GemmShape("sgemm-128x256x10", false, true, 128, 10, 256, "Dense 256->10 forward, batch 128: Y = X·Wᵀ (NT)"),
        new GemmShape("sgemm-dw-256x784x128", true, false, 256, 784, 128, "Dense 784->256 weight gradient: dW = dZᵀ·X (TN)"),
        new GemmShape("sgemm-dx-128x784x256", false, false, 128, 784, 256, "Dense 784->256 input gradient: dX = dZ·W (NN)"),
        new GemmShape("sgemm-dw-10x256x128", true, false, 10, 256, 128, "Dense 256->10 weight gradient: dW = dZᵀ·X (TN)"),
        new GemmShape("sgemm-dx-128x256x10", false, false, 128, 256, 10, "Dense 256->10 input gradient: dX = dZ·W (NN)"),
    };

    public static IReadOnlyList<GemmShape> Quick { get; } = All.Where(s => s.Name is not ("sgemm-2048" or "sgemm-dw-10x256x128")).ToArray();

    /// <summary>Looks a shape up by name (with or without the "sgemm-" prefix), or parses "MxNxK" with an
    /// optional "NN/NT/TN/TT:" prefix.</summary>
    public static GemmShape Parse(string text)
    {
        string t = text.Trim();
        foreach (var s in All)
            if (s.Name.Equals(t, StringComparison.OrdinalIgnoreCase) || s.Name.Equals("sgemm-" + t, StringComparison.OrdinalIgnoreCase))
                return s;
        bool ta = false, tb = false;
        int colon = t.IndexOf(':');
        if (colon == 2)
        {
            ta = char.ToUpperInvariant(t[0]) == 'T';
            tb = char.ToUpperInvariant(t[1]) == 'T';
            t = t[3..];
        }
        string[] parts = t.Split('x');
        if (parts.Length == 1 && int.TryParse(parts[0], out int sq)) return new GemmShape($"sgemm-{sq}", ta, tb, sq, sq, sq, "square");
        if (parts.Length == 3 && int.TryParse(parts[0], out int m) && int.TryParse(parts[1], out int n) && int.TryParse(parts[2], out int k))
            return new GemmShape($"sgemm-{(ta || tb ? $"{(ta ? 't' : 'n')}{(tb ? 't' : 'n')}-" : "")}{m}x{n}x{k}", ta, tb, m, n, k, "custom (MxNxK)");
        throw new ArgumentException($"Unknown shape '{text}'. Use a name ({string.Join(", ", All.Select(s => s.Name))}), a square size, or [NN|NT|TN|TT:]MxNxK.");
    }
}
