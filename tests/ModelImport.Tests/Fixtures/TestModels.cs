using Graft.ModelImport.Keras;
using Graft.ModelImport.NasNet;
using Graft.ModelImport.Weights;

namespace Graft.ModelImport.Tests.Fixtures;

/// <summary>Reduced NASNet-A configurations that go through exactly the code path of the published ones, and weights
/// with every value random (BatchNorm statistics included), so that a mix-up of any two tensors shows.</summary>
public static class TestModels
{
    /// <summary>NASNet-A (1 @ 96), stem 8, 40×40: the Large recipe (skip_reduction) in 187 layers. 40 → 19 → 10 → 5 →
    /// 3 → 2 pixels, so both odd and even sizes meet the reduction cells' padding.</summary>
    public static NasNetConfig Tiny { get; } = new()
    {
        Name = "nasnet_tiny", PenultimateFilters = 96, NumBlocks = 1, StemBlockFilters = 8, SkipReduction = true,
        FilterMultiplier = 2, ImageSize = 40,
    };

    /// <summary>The Mobile recipe (no skip_reduction), reduced, at 33×33.</summary>
    public static NasNetConfig TinyMobileStyle { get; } = Tiny with { Name = "nasnet_tiny_mobile", SkipReduction = false, NumBlocks = 2, ImageSize = 33 };

    /// <summary>Every weight drawn at random: kernels N(0, 1/fan-in), gamma U(0.5, 1.5), beta N(−0.3, 0.3),
    /// moving mean N(0, 0.1), moving variance U(0.5, 2).</summary>
    public static KerasWeights Arbitrary(KerasModel model, int seed)
    {
        var rng = new Random(seed);
        float Normal() => (float)(Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()));
        var values = new Dictionary<string, float[][]>();
        foreach (var layer in model.WeightedLayers)
        {
            values[layer.Name] = layer.Weights.Select(w =>
            {
                var v = new float[w.Elements];
                var fanIn = w.Shape.Length == 4 ? w.Shape[0] * w.Shape[1] * (w.Name == "depthwise_kernel" ? 1 : w.Shape[2]) : 1;
                for (var i = 0; i < v.Length; i++)
                    v[i] = w.Name switch
                    {
                        "gamma" => (float)(0.5 + rng.NextDouble()),
                        "moving_variance" => (float)(0.5 + 1.5 * rng.NextDouble()),
                        // beta mostly negative: many BatchNorm outputs below zero, so that pooling over padded zeros
                        // (reduction_pad_1 → max/avg pools) differs visibly from pooling that ignores the padding.
                        "beta" => -0.3f + 0.3f * Normal(),
                        "moving_mean" => 0.1f * Normal(),
                        _ => Normal() / MathF.Sqrt(fanIn),
                    };
                return v;
            }).ToArray();
        }
        return new KerasWeights(model, values);
    }

    /// <summary>A fresh temporary folder, deleted by the caller.</summary>
}
