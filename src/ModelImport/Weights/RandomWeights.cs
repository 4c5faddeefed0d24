using Graft.ModelImport.Keras;

namespace Graft.ModelImport.Weights;

/// <summary>
/// Seeded random weights for tests and benchmarks without a weight file. Kernels are He-normal (std √(2 / fan-in), the
/// <c>kernel_initializer='he_normal'</c> of nasnet.py, untruncated); fan-in is kh·kw·in for a convolution, kh·kw for a
/// depthwise kernel. BatchNorm: gamma 1, beta 0, moving mean 0, moving variance 1, so that a normalisation layer is
/// (almost) the identity, as in a freshly built Keras model. The same seed gives the same values run after run
/// (Graft's own SplitMix64 generator, not System.Random, one stream per weight so generation runs in parallel).
/// </summary>
public static class RandomWeights
{
    public static KerasWeights Create(KerasModel model, int seed)
    {
        var layers = model.WeightedLayers.ToList();
        var values = new float[layers.Count][][];
        Parallel.For(0, layers.Count, i =>
        {
            var layer = layers[i];
            values[i] = layer.Weights.Select(w => Fill(layer, w, seed)).ToArray();
        });
        var map = new Dictionary<string, float[][]>();
        for (var i = 0; i < layers.Count; i++) map[layers[i].Name] = values[i];
        return new KerasWeights(model, map);
    }

    private static float[] Fill(KerasLayer layer, KerasWeightSpec spec, int seed)
    {
        var v = new float[spec.Elements];
        switch (spec.Name)
        {
            case "gamma" or "moving_variance":
                Array.Fill(v, 1f);
                break;
            case "beta" or "moving_mean":
                break;
            default:
                var s = spec.Shape; // (kh, kw, in, out); depthwise (kh, kw, channels, 1)
                var fanIn = spec.Name == "depthwise_kernel" ? s[0] * s[1] : s[0] * s[1] * s[2];
                // Gain 2 (He) where the kernel follows a ReLU; 1 (LeCun) for the pointwise half of a separable
                // convolution, which follows the linear depthwise half: keeps activations O(1) through 18 cells.
                var gain = spec.Name == "pointwise_kernel" ? 1.0 : 2.0;
                var std = (float)Math.Sqrt(gain / fanIn);
                var rng = new SplitMix64(StreamSeed(seed, layer.Name, spec.Name));
                for (var i = 0; i < v.Length; i += 2)
                {
                    var (a, b) = rng.NextGaussianPair();
                    v[i] = (float)a * std;
                    if (i + 1 < v.Length) v[i + 1] = (float)b * std;
                }
                break;
        }
        return v;
    }

    /// <summary>FNV-1a over "layer/weight", mixed with the user's seed: independent of order and threading.</summary>
    private static ulong StreamSeed(int seed, string layer, string weight)
    {
        var h = 14695981039346656037UL;
        foreach (var ch in layer + "/" + weight)
        {
            h ^= ch;
            h *= 1099511628211UL;
        }
        return h ^ ((ulong)(uint)seed * 0x9E3779B97F4A7C15UL);
    }

    /// <summary>SplitMix64 (Steele, Lea, Flood 2014) with Box–Muller normals.</summary>
    private struct SplitMix64(ulong state)
    {
        private ulong _state = state;

        private ulong Next()
        {
            var z = _state += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }

        /// <summary>Uniform in (0, 1]: 53 random bits, never 0 so the logarithm is finite.</summary>
        private double NextUnit() => ((Next() >> 11) + 1) * (1.0 / 9007199254740992.0);

        public (double, double) NextGaussianPair()
        {
            var r = Math.Sqrt(-2.0 * Math.Log(NextUnit()));
            var t = 2.0 * Math.PI * NextUnit();
            return (r * Math.Cos(t), r * Math.Sin(t));
        }
    }
}
