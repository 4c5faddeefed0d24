using Graft.FeatureCache.Backbones;
using Graft.FeatureCache.Store;
using Onnx;
using Graft.FeatureCache.Onnx;

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
    /// named like the feature set's backbone, else <paramref name="kept"/> (the descriptor precompute kept with the
    /// features: a bare .onnx given with flags is in no catalog). A descriptor is used only if its model file's hash is the feature set's
    /// (a descriptor of another model under the same name would misdescribe the run); otherwise the run records the
    /// name and hash alone.
    /// </summary>
    public static (RunBackbone Backbone, BackboneDescriptor? Descriptor) Resolve(FeatureSetSpec spec, BackboneDescriptor? given, BackboneDescriptor? kept = null)
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
            if (descriptor is null || !Matches(descriptor, spec)) descriptor = kept ?? descriptor;
        }
        string? modelFile = null;
        if (descriptor is not null && BackboneModelFile.IsPresent(descriptor))
        {
            try
            {
                modelFile = BackboneModelFile.OpenExpecting(descriptor, spec.ModelSha256, "").Path;
            }
            catch (GraftException)
            {
                // Another model under the same name would misdescribe the run.
                descriptor = null;
            }
        }
        // A descriptor known but its model file not here: keep the descriptor, count nothing.
        var parameters = modelFile is null ? (long?)null : Count(modelFile);
        var record = new RunBackbone(spec.BackboneName, spec.BackboneId ?? descriptor?.Id, spec.ModelSha256,
            descriptor is null ? null : RunFolder.BackboneFile, parameters);
        return (record, descriptor);
    }

    private static bool Matches(BackboneDescriptor descriptor, FeatureSetSpec spec)
    {
        try
        {
            return BackboneModelFile.IsPresent(descriptor) && BackboneModelFile.OpenExpecting(descriptor, spec.ModelSha256, "") is not null;
        }
        catch (GraftException)
        {
            return false;
        }
    }

    /// <summary>Floating-point parameters in the ONNX model at <paramref name="onnxPath"/>.</summary>
    public static long Count(string onnxPath)
    {
        var model = OnnxModelReader.Read(onnxPath);
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
