namespace Graft.FeatureCache.Onnx.Quantization;

/// <summary>Preprocessed calibration images, one after another: <see cref="Count"/> tensors of shape
/// <see cref="ImageShape"/> (3×H×W for NCHW models, H×W×3 for NHWC), exactly as the backbone's input takes them.</summary>
public sealed record CalibrationImages(string InputName, long[] ImageShape, float[] Data, int Count)
{
    public int ImageLength => (int)ImageShape.Aggregate(1L, (a, d) => a * d);

    /// <summary>Images [start, start+count) as one batch and its shape.</summary>
    public (Memory<float> Data, long[] Shape) Batch(int start, int count) =>
        (Data.AsMemory(start * ImageLength, count * ImageLength), [count, .. ImageShape]);

    /// <summary>The first <paramref name="count"/> images.</summary>
    public CalibrationImages Take(int count) =>
        count >= Count ? this : this with { Data = Data[..(count * ImageLength)], Count = count };
}
