using System.Runtime.InteropServices;
using Graft.FeatureCache.Preprocessing;
using Onnx;
using Graft.FeatureCache.Onnx;

namespace Graft.FeatureCache.Backbones;

/// <summary>Reads a per-pixel mean image (e.g. ML.NET's ResNetPreprocess.onnx "MeanImage", 1×3×224×224, BGR) from
/// the ONNX initializer a <see cref="MeanImageSource"/> names, after checking the file's hash.</summary>
public static class MeanImageLoader
{
    /// <summary>The mean image as CHW floats of length 3·H·W for <paramref name="spec"/>'s size.</summary>
    public static float[] Load(PreprocessSpec spec, string? descriptorDirectory)
    {
        var source = spec.MeanImage ?? throw new ArgumentException("The spec has no mean image.", nameof(spec));
        var path = ModelFileLocator.Locate(source.File, descriptorDirectory);
        var sha = ModelHash.Compute(path);
        if (!string.Equals(sha, source.Sha256, StringComparison.OrdinalIgnoreCase))
            throw new GraftException($"Mean image file '{path}' has SHA-256 {sha[..12]}…, expected {source.Sha256[..12]}….");
        var graph = OnnxModelReader.Read(path).Graph;
        var tensor = graph.Initializer.FirstOrDefault(t => t.Name == source.Initializer)
            ?? throw new GraftException($"'{path}' has no initializer '{source.Initializer}'.");
        var values = tensor.RawData.Length > 0
            ? MemoryMarshal.Cast<byte, float>(tensor.RawData.Span).ToArray()
            : tensor.FloatData.ToArray();
        if (values.Length != spec.TensorLength)
            throw new GraftException($"Mean image '{source.Initializer}' has {values.Length} values; a {spec.Width}×{spec.Height} input needs {spec.TensorLength}.");
        return values;
    }
}
