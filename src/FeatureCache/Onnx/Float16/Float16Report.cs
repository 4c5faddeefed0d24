namespace Graft.FeatureCache.Onnx.Float16;

/// <summary>What <see cref="Float16Converter.Convert"/> changed in a model.</summary>
public sealed record Float16Report
{
    /// <summary>Float32 initializers (weights, biases, constants) rewritten as float16.</summary>
    public required int ConvertedInitializers { get; init; }

    /// <summary>Float32 initializers left in float32 because only float32-kept operators read them.</summary>
    public required int Float32Initializers { get; init; }

    /// <summary>Float32 values of the converted initializers (parameters now held in half).</summary>
    public required long ConvertedValues { get; init; }

    /// <summary>Values beyond half's range (|v| &gt; 65504), clamped to ±65504.</summary>
    public required long ClampedValues { get; init; }

    /// <summary>Non-zero values below half's smallest subnormal (2⁻²⁴ ≈ 6e-8), now zero.</summary>
    public required long UnderflowedValues { get; init; }

    /// <summary>BatchNormalization nodes folded into the Conv before them.</summary>
    public required int FoldedBatchNorms { get; init; }

    /// <summary>Constant / ConstantOfShape nodes whose float32 value became float16.</summary>
    public required int ConvertedConstants { get; init; }

    /// <summary>Cast nodes added at the graph's inputs, outputs and around float32-kept operators.</summary>
    public required int CastsInserted { get; init; }

    /// <summary>Nodes kept in float32, counted by operator type.</summary>
    public required IReadOnlyDictionary<string, int> Float32Nodes { get; init; }

    /// <summary>Nodes in the converted graph.</summary>
    public required int Nodes { get; init; }
}
