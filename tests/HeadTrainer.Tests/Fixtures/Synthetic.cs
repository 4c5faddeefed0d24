using Graft.HeadTrainer.Training;

namespace Graft.HeadTrainer.Tests.Fixtures;

/// <summary>
/// Linearly separable synthetic features: class k is a Gaussian blob (σ = <paramref name="noise"/>) around a random
/// centre of norm ~3 in D dimensions, all values shifted to be non-negative like pooled ReLU features. Same seed, same
/// numbers.
/// </summary>
public static class Synthetic
{
    public static float[][] Centres(int classes, int dim, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, classes).Select(_ =>
            Enumerable.Range(0, dim).Select(_ => (float)(random.NextDouble() * 2 - 1) * 3f / MathF.Sqrt(dim) * 2f).ToArray()).ToArray();
    }

    /// <summary><paramref name="perClass"/> rows of each class, interleaved (class i % C), ids "{prefix}{i}".</summary>
    public static LabeledFeatures Rows(float[][] centres, int perClass, int seed, float noise = 0.15f, string prefix = "img")
    {
        var classes = centres.Length;
        var dim = centres[0].Length;
        var random = new Random(seed);
        var n = classes * perClass;
        var features = new float[n * dim];
        var labels = new int[n];
        for (var i = 0; i < n; i++)
        {
            var k = i % classes;
            labels[i] = k;
            for (var j = 0; j < dim; j++)
            {
                // Box–Muller normal noise.
                var g = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
                features[i * dim + j] = 2f + centres[k][j] + noise * (float)g;
            }
        }
        return new LabeledFeatures(dim, features, labels, Enumerable.Range(0, n).Select(i => $"{prefix}{i}.png").ToArray());
    }
}
