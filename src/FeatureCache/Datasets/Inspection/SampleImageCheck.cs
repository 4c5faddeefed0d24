namespace Graft.FeatureCache.Datasets.Inspection;

/// <summary>
/// The Keras seed's sanity check on one image: its decoded shape as Height×Width×Channels (channels is always 3, RGB)
/// and the smallest and largest 8-bit value over all its channels. A healthy photo spans most of 0..255; a range
/// like 0..1 or a constant value means the data is not what it claims.
/// </summary>
public sealed record SampleImageCheck(string Id, int Height, int Width, int Channels, byte PixelMin, byte PixelMax)
{
    /// <summary>"375×500×3", the order numpy prints.</summary>
    public string Shape => $"{Height}×{Width}×{Channels}";
}
