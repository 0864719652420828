namespace NeuralPS.Core.Backends.Cpu;

/// <summary>Direct convolution straight from the definition, accumulating in float64: the reference
/// the fast kernels are tested against (and a fallback nobody should use for speed).
/// Shapes: x [N,C,H,W], w [K,C/G,kh,kw], bias [K], y [N,K,OH,OW].</summary>
public static class ConvNaive
{
    public static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> bias, Span<float> y,
        in ConvolutionGeometry g, ActivationKind activation = ActivationKind.None, float alpha = 0.01f)
    {
        int cg = g.GroupInputChannels, kg = g.GroupFilters;
        for (int n = 0; n < g.Batch; n++)
        for (int k = 0; k < g.Filters; k++)
        {
            int group = k / kg;
            for (int oy = 0; oy < g.OutputHeight; oy++)
            for (int ox = 0; ox < g.OutputWidth; ox++)
            {
                double s = bias.IsEmpty ? 0 : bias[k];
                for (int c = 0; c < cg; c++)
                for (int i = 0; i < g.KernelHeight; i++)
                {
                    int iy = oy * g.StrideHeight - g.PadTop + i * g.DilationHeight;
                    if ((uint)iy >= (uint)g.InputHeight) continue;
                    for (int j = 0; j < g.KernelWidth; j++)
                    {
                        int ix = ox * g.StrideWidth - g.PadLeft + j * g.DilationWidth;
                        if ((uint)ix >= (uint)g.InputWidth) continue;
                        s += (double)w[((k * cg + c) * g.KernelHeight + i) * g.KernelWidth + j]
                           * x[((n * g.InputChannels + group * cg + c) * g.InputHeight + iy) * g.InputWidth + ix];
                    }
                }
                y[((n * g.Filters + k) * g.OutputHeight + oy) * g.OutputWidth + ox] = CpuActivations.Apply(activation, (float)s, alpha);
            }
        }
    }

    /// <summary>dx[n,c,iy,ix] = Σ over every (k, oy, ox, i, j) that read x[n,c,iy,ix] of w[k,c,i,j]·dy[n,k,oy,ox].</summary>
    public static void BackwardData(ReadOnlySpan<float> dy, ReadOnlySpan<float> w, Span<float> dx, in ConvolutionGeometry g)
    {
        var acc = new double[g.Batch * g.InputSize];
        int cg = g.GroupInputChannels, kg = g.GroupFilters;
        for (int n = 0; n < g.Batch; n++)
        for (int k = 0; k < g.Filters; k++)
        {
            int group = k / kg;
            for (int oy = 0; oy < g.OutputHeight; oy++)
            for (int ox = 0; ox < g.OutputWidth; ox++)
            {
                double d = dy[((n * g.Filters + k) * g.OutputHeight + oy) * g.OutputWidth + ox];
                for (int c = 0; c < cg; c++)
                for (int i = 0; i < g.KernelHeight; i++)
                {
                    int iy = oy * g.StrideHeight - g.PadTop + i * g.DilationHeight;
                    if ((uint)iy >= (uint)g.InputHeight) continue;
                    for (int j = 0; j < g.KernelWidth; j++)
                    {
                        int ix = ox * g.StrideWidth - g.PadLeft + j * g.DilationWidth;
                        if ((uint)ix >= (uint)g.InputWidth) continue;
                        acc[((n * g.InputChannels + group * cg + c) * g.InputHeight + iy) * g.InputWidth + ix]
                            += d * w[((k * cg + c) * g.KernelHeight + i) * g.KernelWidth + j];
                    }
                }
            }
        }
        for (int i = 0; i < acc.Length; i++) dx[i] = (float)acc[i];
    }

    /// <summary>dw[k,c,i,j] = Σ_{n,oy,ox} dy[n,k,oy,ox]·x[n, c, iy, ix]; dbias[k] = Σ_{n,oy,ox} dy[n,k,oy,ox].</summary>
    public static void BackwardFilter(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dw, Span<float> dbias, in ConvolutionGeometry g)
    {
        int cg = g.GroupInputChannels, kg = g.GroupFilters;
        for (int k = 0; k < g.Filters; k++)
        {
            int group = k / kg;
            double sb = 0;
            for (int n = 0; n < g.Batch; n++)
                for (int p = 0; p < g.OutputPlane; p++) sb += dy[(n * g.Filters + k) * g.OutputPlane + p];
            if (!dbias.IsEmpty) dbias[k] = (float)sb;
            for (int c = 0; c < cg; c++)
            for (int i = 0; i < g.KernelHeight; i++)
            for (int j = 0; j < g.KernelWidth; j++)
            {
                double s = 0;
                for (int n = 0; n < g.Batch; n++)
                for (int oy = 0; oy < g.OutputHeight; oy++)
                {
                    int iy = oy * g.StrideHeight - g.PadTop + i * g.DilationHeight;
                    if ((uint)iy >= (uint)g.InputHeight) continue;
                    for (int ox = 0; ox < g.OutputWidth; ox++)
                    {
                        int ix = ox * g.StrideWidth - g.PadLeft + j * g.DilationWidth;
                        if ((uint)ix >= (uint)g.InputWidth) continue;
                        s += (double)dy[((n * g.Filters + k) * g.OutputHeight + oy) * g.OutputWidth + ox]
                           * x[((n * g.InputChannels + group * cg + c) * g.InputHeight + iy) * g.InputWidth + ix];
                    }
                }
                dw[((k * cg + c) * g.KernelHeight + i) * g.KernelWidth + j] = (float)s;
            }
        }
    }
}
