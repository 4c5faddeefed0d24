using Graft.FeatureCache.Backbones;
using Graft.FeatureCache.Store;
using Onnx;

namespace Graft.HeadTrainer.Runs;

/// <summary>
/// Finds the descriptor of the backbone that made a feature set and counts the backbone's parameters from its ONNX
/// file: the elements of every floating-point initializer (and Constant node) — weights, biases and BatchNorm
/// statistics, which Keras's summary() also counts (as non-trainable). Integer tensors (shapes, indices) are not
/// parameters.
/// </summary>
public static class BackboneParameters
{
    /// <summary>
    /// The run's backbone record and descriptor: <paramref name="given"/> if set, else the default catalog's descriptor
    /// named like the feature set's backbone. A descriptor is used only if its model file's hash is the feature set's
    /// (a descriptor of another model under the same name would misdescribe the run); otherwise the run records the
    /// name and hash alone.
    /// </summary>
    public static (RunBackbone Backbone, BackboneDescriptor? Descriptor) Resolve(FeatureSetSpec spec, BackboneDescriptor? given)
    {
        BackboneDescriptor? descriptor = given;
        if (descriptor is null)
        {
            try
            {
                descriptor = BackboneCatalog.Default().Resolve(spec.BackboneId ?? spec.BackboneName);
            }
            catch (GraftException)
            {
                descriptor = null;
            }
        }
        string? modelFile = null;
        if (descriptor is not null)
        {
            try
            {
                var folder = descriptor.DescriptorPath is null ? null : Path.GetDirectoryName(descriptor.DescriptorPath);
                modelFile = ModelFileLocator.Locate(descriptor.Model, folder);
                var sha = descriptor.Sha256 ?? ModelHash.Compute(modelFile);
                if (!string.Equals(sha, spec.ModelSha256, StringComparison.OrdinalIgnoreCase))
                {
                    descriptor = null;
                    modelFile = null;
                }
            }
            catch (GraftException)
            {
                // Descriptor known but its model file is not here: keep the descriptor, count nothing.
                modelFile = null;
            }
        }
        var parameters = modelFile is null ? (long?)null : Count(modelFile);
        var record = new RunBackbone(spec.BackboneName, spec.BackboneId ?? descriptor?.Id, spec.ModelSha256,
            descriptor is null ? null : RunFolder.BackboneFile, parameters);
        return (record, descriptor);
    }

    /// <summary>Floating-point parameters in the ONNX model at <paramref name="onnxPath"/>.</summary>
    public static long Count(string onnxPath)
    {
        ModelProto model;
        try
        {
            using var stream = File.OpenRead(onnxPath);
            model = ModelProto.Parser.ParseFrom(stream);
        }
        catch (Google.Protobuf.InvalidProtocolBufferException e)
        {
            throw new GraftException($"'{onnxPath}' is not an ONNX model: {e.Message}");
        }
        long total = 0;
        foreach (var t in model.Graph.Initializer) total += Elements(t);
        foreach (var node in model.Graph.Node.Where(n => n.OpType == "Constant"))
            foreach (var a in node.Attribute.Where(a => a.T is not null))
                total += Elements(a.T);
        return total;
    }

    private static long Elements(TensorProto t)
    {
        var type = (TensorProto.Types.DataType)t.DataType;
        if (type is not (TensorProto.Types.DataType.Float or TensorProto.Types.DataType.Float16
            or TensorProto.Types.DataType.Double or TensorProto.Types.DataType.Bfloat16)) return 0;
        long n = 1;
        foreach (var d in t.Dims) n *= d;
        return n;
    }
}
