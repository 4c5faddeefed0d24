using System.Text.Json;
using Google.Protobuf;
using Graft.FeatureCache.Backbones;
using Graft.FeatureCache.Datasets;
using Graft.FeatureCache.Preprocessing;
using Graft.FeatureCache.Store;
using Graft.FineTuner.Conversion;
using Graft.FineTuner.Heads;
using Graft.FineTuner.Training;
using static Graft.FineTuner.Tests.Fixtures.GraphBuilder;
using Graft.FineTuner.Training.Boundary;
using Graft.FineTuner.Training.Optimization;

namespace Graft.FineTuner.Tests.Fixtures;

/// <summary>
/// A small Keras-style CNN backbone written as ONNX with a <c>graft.layers</c> list (10 layers, some spanning two nodes
/// named "layer/part"), its descriptor, a seeded MLP head and a synthetic two-class image set — everything a
/// fine-tuning run needs, fast enough for tests on two cores.
/// Layers: input_1 | block1_conv | block1_bn | block1_relu | block2_sep (depthwise + pointwise) | block2_bn |
/// block2_relu | block3_conv | block3_bn | block3_relu | pool (GlobalAveragePool + Flatten) → 16 features.
/// </summary>
public static class TinyBackbone
{
    public const int Size = 16;
    public const int Features = 16;

    public static readonly string[] LayerNames =
    [
        "input_1", "block1_conv", "block1_bn", "block1_relu", "block2_sep", "block2_bn", "block2_relu", "block3_conv", "block3_bn",
        "block3_relu", "pool",
    ];

    public static global::Onnx.ModelProto Model(int seed = 3)
    {
        var g = new GraphBuilder(seed, opset: 13);
        var x = g.Input("input_1", 3, Size, Size);
        var c1 = g.NodeNamed("Conv", "block1_conv", [x, g.Weight("block1_conv/kernel", [8, 3, 3, 3]), g.Weight("block1_conv/bias", [8])],
            Ints("kernel_shape", 3, 3), Ints("pads", 1, 1, 1, 1));
        var b1 = Bn(g, "block1_bn", c1, 8);
        var r1 = g.NodeNamed("Relu", "block1_relu", [b1]);
        var dw = g.NodeNamed("Conv", "block2_sep/depthwise", [r1, g.Weight("block2_sep/depthwise_kernel", [8, 1, 3, 3])],
            Ints("kernel_shape", 3, 3), Ints("strides", 2, 2), Ints("pads", 0, 0, 1, 1), Int("group", 8));
        var pw = g.NodeNamed("Conv", "block2_sep/pointwise", [dw, g.Weight("block2_sep/pointwise_kernel", [12, 8, 1, 1])], Ints("kernel_shape", 1, 1));
        var b2 = Bn(g, "block2_bn", pw, 12);
        var r2 = g.NodeNamed("Relu", "block2_relu", [b2]);
        var c3 = g.NodeNamed("Conv", "block3_conv", [r2, g.Weight("block3_conv/kernel", [Features, 12, 3, 3])], Ints("kernel_shape", 3, 3), Ints("pads", 1, 1, 1, 1));
        var b3 = Bn(g, "block3_bn", c3, Features);
        var r3 = g.NodeNamed("Relu", "block3_relu", [b3]);
        var gap = g.NodeNamed("GlobalAveragePool", "pool/gap", [r3]);
        var flat = g.NodeNamed("Flatten", "pool/flatten", [gap], Int("axis", 1));
        return g.Output(flat).Build(new Dictionary<string, string> { [OnnxModelFile.LayersMetadataKey] = JsonSerializer.Serialize(LayerNames) });
    }

    private static string Bn(GraphBuilder g, string name, string input, int channels) =>
        g.NodeNamed("BatchNormalization", name,
            [input, g.Weight($"{name}/gamma", [channels], 0.8f, 1.2f), g.Weight($"{name}/beta", [channels], -0.1f, 0.1f),
             g.Weight($"{name}/moving_mean", [channels], -0.1f, 0.1f), g.Weight($"{name}/moving_variance", [channels], 0.5f, 1.5f)],
            Float("epsilon", 1e-3f), Float("momentum", 0.9f));

    /// <summary>Writes the model and its descriptor into <paramref name="directory"/>; returns the loaded descriptor.</summary>
    public static BackboneDescriptor Write(string directory, int seed = 3)
    {
        Directory.CreateDirectory(directory);
        var modelPath = Path.Combine(directory, "tiny.onnx");
        File.WriteAllBytes(modelPath, Model(seed).ToByteArray());
        var descriptor = new BackboneDescriptor
        {
            Name = "tiny",
            Model = new ModelFileSource { Path = "tiny.onnx" },
            Input = new BackboneInput { Name = "input_1" },
            Output = new BackboneOutput { Name = "pool/flatten_out", Dimension = Features },
            Preprocess = new PreprocessSpec { Width = Size, Height = Size, Scale = 1f / 255f, Mean = [0.5f, 0.5f, 0.5f], Std = [0.25f, 0.25f, 0.25f] },
        };
        var path = Path.Combine(directory, "tiny.json");
        descriptor.Save(path);
        return BackboneDescriptor.Load(path);
    }

    /// <summary>Dense(8, ReLU) → Dropout(0.5) → Dense(2), seeded.</summary>
    public static DenseHead Head(int seed = 5)
    {
        var rng = new Random(seed);
        float[] R(int n, float s) => Enumerable.Range(0, n).Select(_ => ((float)rng.NextDouble() * 2 - 1) * s).ToArray();
        return new DenseHead
        {
            InputDimension = Features,
            ClassNames = ["red", "blue"],
            Layers =
            [
                new DenseLayerWeights(Features, 8, R(8 * Features, 0.4f), R(8, 0.05f), HeadActivation.Relu),
                new DenseLayerWeights(8, 2, R(16, 0.5f), R(2, 0.05f), HeadActivation.None, DropoutBefore: 0.5f),
            ],
        };
    }

    /// <summary>Noisy 20×20 images, class 0 reddish and class 1 bluish: train/validation/test as given.</summary>
    public static IReadOnlyList<FineTuneItem> Items(int train = 24, int validation = 8, int test = 8, int seed = 11)
    {
        var rng = new Random(seed);
        var items = new List<FineTuneItem>();
        void Add(Split split, int count)
        {
            for (var i = 0; i < count; i++)
            {
                var label = i % 2;
                var pixels = new byte[20 * 20 * 3];
                for (var p = 0; p < 400; p++)
                {
                    var noise = rng.Next(0, 120);
                    pixels[3 * p] = (byte)(label == 0 ? 120 + noise : noise);
                    pixels[3 * p + 1] = (byte)rng.Next(0, 255);
                    pixels[3 * p + 2] = (byte)(label == 1 ? 120 + noise : noise);
                }
                var data = ImageData.Raw(pixels, 20, 20, 3);
                items.Add(new FineTuneItem($"{split.ToName()}/{i}.raw", label, split, ContentHash.Of(data), () => data));
            }
        }
        Add(Split.Train, train);
        Add(Split.Validation, validation);
        Add(Split.Test, test);
        return items;
    }
}
