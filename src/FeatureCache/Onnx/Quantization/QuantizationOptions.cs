namespace Graft.FeatureCache.Onnx.Quantization;

/// <summary>How activation ranges are chosen from the calibration images.</summary>
public enum CalibrationMethod
{
    /// <summary>The observed minimum and maximum of each tensor.</summary>
    MinMax,
    /// <summary>The <see cref="QuantizationOptions.Percentile"/>-th percentile (and its mirror for negative values):
    /// rare outliers are clipped so the common values keep more resolution.</summary>
    Percentile,
    /// <summary>The clipping threshold that minimises the KL divergence between the value histogram and its quantized
    /// version (TensorRT's entropy calibration, 8-bit, Migacz 2017).</summary>
    Entropy,
}

/// <summary>Element type of quantized activations (weights are always int8, symmetric, per output channel).</summary>
public enum ActivationType
{
    /// <summary>uint8, asymmetric: ONNX Runtime's U8S8 kernels (VPMADDUBSW / VNNI VPDPBUSD on x86).</summary>
    UInt8,
    /// <summary>int8, asymmetric: S8S8 (x86 kernels shift it to u8 internally).</summary>
    Int8,
}

/// <summary>Options of <see cref="QdqQuantizer"/> and <see cref="ActivationCalibrator"/>.</summary>
public sealed record QuantizationOptions
{
    /// <summary>Min-max by default: on ResNet18 it kept features as close to float32 as entropy (within noise) and
    /// closer than percentile 99.99 (cosine 0.9986 vs 0.9968 on hymenoptera), which clips the large activations pooled
    /// features are made of; and it has nothing to tune.</summary>
    public CalibrationMethod Method { get; init; } = CalibrationMethod.MinMax;

    /// <summary>Percentile kept by <see cref="CalibrationMethod.Percentile"/> (99.99 as in ONNX Runtime's
    /// quantization tool).</summary>
    public double Percentile { get; init; } = 99.99;

    public ActivationType Activations { get; init; } = ActivationType.UInt8;

    /// <summary>Quantize weights to 7 bits ([-64, 63]) so U8S8 VPMADDUBSW on AVX2 machines without VNNI cannot
    /// saturate its 16-bit pair sums (ONNX Runtime's <c>reduce_range</c>). Costs a little accuracy.</summary>
    public bool ReduceRange { get; init; }

    /// <summary>Node names (or output tensor names) left in float32.</summary>
    public IReadOnlySet<string> Exclude { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>Histogram bins per tensor for percentile and entropy calibration.</summary>
    public int HistogramBins { get; init; } = 2048;
}
