namespace Graft.ModelImport.Keras;

/// <summary>Shape of one image's activation, without the batch dimension: channels × height × width (ONNX NCHW order;
/// Keras stores the same tensor as height × width × channels).</summary>
public readonly record struct FeatureMapShape(int Channels, int Height, int Width)
{
    /// <summary>Floats per image.</summary>
    public long Elements => (long)Channels * Height * Width;

    /// <summary>"[N,C,H,W]".</summary>
    public override string ToString() => $"[N,{Channels},{Height},{Width}]";
}
