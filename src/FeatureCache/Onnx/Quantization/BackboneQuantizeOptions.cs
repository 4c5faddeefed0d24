namespace Graft.FeatureCache.Onnx.Quantization;

/// <summary>Options of <see cref="BackboneQuantizer.Quantize"/>.</summary>
public sealed record BackboneQuantizeOptions
{
    /// <summary>Calibration images taken from the training split (evenly spaced over it in id order). Default 256.</summary>
    public int Images { get; init; } = 256;

    public QuantizationOptions Quantization { get; init; } = new();

    /// <summary>Folder the ONNX file and its descriptor are written to.</summary>
    public required string OutputDirectory { get; init; }

    /// <summary>Name of the new backbone; default "&lt;name&gt;-int8".</summary>
    public string? Name { get; init; }

    /// <summary>Also measure each quantized node's effect on the final features alone.</summary>
    public bool Sensitivity { get; init; }

    /// <summary>Images the agreement check and the sensitivity pass use (the first of the calibration images).</summary>
    public int CheckImages { get; init; } = 16;

    public int Threads { get; init; }
}

/// <summary>Error of the final features when only one node is quantized.</summary>
public sealed record LayerSensitivity(string Node, string OpType, double MeanCosine, double RelativeL2);

/// <summary>What <see cref="BackboneQuantizer.Quantize"/> wrote and measured.</summary>
public sealed record BackboneQuantizeResult
{
    public required string ModelPath { get; init; }
    public required string DescriptorPath { get; init; }
    public required string Sha256 { get; init; }
    public required string Name { get; init; }
    public required int QuantizedNodes { get; init; }
    public required IReadOnlyList<string> FloatNodes { get; init; }
    public required int FoldedBatchNorms { get; init; }
    public required int CalibrationImages { get; init; }
    public required int SkippedImages { get; init; }
    public required string Method { get; init; }
    public required string Activations { get; init; }
    /// <summary>fp32 vs int8 features on the first <see cref="BackboneQuantizeOptions.CheckImages"/> calibration images.</summary>
    public required FeatureAgreement Agreement { get; init; }
    /// <summary>Worst first; empty unless asked for.</summary>
    public required IReadOnlyList<LayerSensitivity> Sensitivity { get; init; }
    public required double Seconds { get; init; }
}
