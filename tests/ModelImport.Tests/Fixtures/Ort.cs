using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Onnx;

namespace Graft.ModelImport.Tests.Fixtures;

/// <summary>Runs an in-memory ONNX model on the CPU with ONNX Runtime.</summary>
public static class Ort
{
    /// <summary>Feeds <paramref name="input"/> shaped <paramref name="dims"/> to the model's first input and returns
    /// its first output, flattened, with that output's shape.</summary>
    public static (float[] Values, int[] Dims) Run(ModelProto model, float[] input, params int[] dims)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 1 }; // default: full graph optimisation, as Graft runs models
        using var session = new InferenceSession(model.ToByteArray(), options);
        var name = session.InputMetadata.Keys.First();
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(name, new DenseTensor<float>(input, dims))]);
        var t = results.First().AsTensor<float>();
        return (t.ToArray(), t.Dimensions.ToArray());
    }

    /// <summary>(H, W, C) channels-last values → (C, H, W).</summary>
    public static float[] HwcToChw(float[] hwc, int h, int w, int c)
    {
        var chw = new float[hwc.Length];
        for (var y = 0; y < h; y++)
        for (var x = 0; x < w; x++)
        for (var ch = 0; ch < c; ch++)
            chw[(ch * h + y) * w + x] = hwc[(y * w + x) * c + ch];
        return chw;
    }
}
