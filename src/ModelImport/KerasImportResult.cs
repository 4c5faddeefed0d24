using Graft.ModelImport.Weights;

namespace Graft.ModelImport;

/// <summary>What <see cref="KerasImporter.Import"/> wrote.</summary>
public sealed record KerasImportResult
{
    public required string OnnxPath { get; init; }

    /// <summary>Lower-case hex SHA-256 of the written ONNX file.</summary>
    public required string Sha256 { get; init; }

    /// <summary>The descriptor written beside the model; null when not asked for.</summary>
    public string? DescriptorPath { get; init; }

    /// <summary>Keras layers (<c>len(model.layers)</c>, InputLayer included): 1039 for NASNetLarge.</summary>
    public required int LayerCount { get; init; }

    /// <summary>Parameters (<c>model.count_params()</c>): 84,916,818 for NASNetLarge without top.</summary>
    public required long ParameterCount { get; init; }

    public required int OnnxNodeCount { get; init; }

    /// <summary>Pooled feature width D of the [N, D] output.</summary>
    public required int FeatureDimension { get; init; }

    public required long FileBytes { get; init; }

    /// <summary>How the weight file was matched; null for random weights.</summary>
    public WeightBindingReport? Binding { get; init; }
}
