namespace NeuralPS.Core.Data;

/// <summary>How <see cref="IdxReader.ReadDataset"/> turns idx files into a <see cref="Dataset"/>.</summary>
public sealed class IdxReadOptions
{
    /// <summary>Every feature value is multiplied by this (default 1/255: bytes 0..255 → [0, 1]). The
    /// scale is attached to the dataset as a <see cref="FeaturePreprocessor"/>, so it is saved with a
    /// model trained on it and applied again to raw inputs at prediction time.</summary>
    public float Scale { get; set; } = 1f / 255f;

    /// <summary>False (default): items of rank 2 (images H×W) become [N, 1, H, W] (one channel,
    /// channels first, ready for Conv2d), other ranks keep their idx dimensions. True: every item
    /// becomes a flat vector, [N, H·W] (ready for Dense).</summary>
    public bool Flatten { get; set; }

    /// <summary>Class names by label value (e.g. <see cref="KnownClassNames.FashionMnist"/>); null =
    /// "0", "1", … up to the largest label.</summary>
    public IReadOnlyList<string>? ClassNames { get; set; }

    /// <summary>Read only the first N items (null = all).</summary>
    public int? Limit { get; set; }

    /// <summary>Dataset name; null = the feature file's name without extensions.</summary>
    public string? Name { get; set; }
}
