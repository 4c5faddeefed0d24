using System.Text.Json;
using Graft.FeatureCache.Backbones;
using Graft.ModelImport.Onnx;
using Graft.ModelImport.Tests.Fixtures;
using Onnx;

namespace Graft.ModelImport.Tests;

/// <summary>Builds NASNetLarge once (random init, ~3 s) and checks the written model: ONNX Runtime runs 331×331×3 →
/// 4032, the layer list and node naming contract, and the descriptor beside it.</summary>
public sealed class NasNetLargeOnnxTests(NasNetLargeOnnxTests.LargeModel large) : IClassFixture<NasNetLargeOnnxTests.LargeModel>
{
    public sealed class LargeModel : IDisposable
    {
        public LargeModel()
        {
            Result = KerasImporter.Import(new KerasImportOptions
            {
                Architecture = KerasArchitecture.NasNetLarge, RandomInit = true, Seed = 7, OutputPath = Path.Combine(Dir, "nasnet_large.onnx"),
            });
            using var stream = File.OpenRead(Result.OnnxPath);
            Proto = ModelProto.Parser.ParseFrom(stream);
        }

        private readonly TempDir _temp = new("nasnet");

        public string Dir => _temp.Path;
        public KerasImportResult Result { get; }
        public ModelProto Proto { get; }

        public void Dispose() => _temp.Dispose();
    }

    [Fact]
    public void OnnxRuntime_Runs331x331x3To4032Features()
    {
        var descriptor = BackboneDescriptor.Load(large.Result.DescriptorPath!);
        using var backbone = OnnxBackbone.Load(descriptor, new BackboneRunOptions { Device = ExecutionDevice.Cpu, MaxBatchSize = 1 });
        var rng = new Random(3);
        for (var i = 0; i < backbone.InputBuffer.Length; i++) backbone.InputBuffer[i] = (float)(rng.NextDouble() * 2 - 1);

        backbone.Run(1);

        Assert.Equal(4032, backbone.OutputBuffer.Length);
        Assert.All(backbone.OutputBuffer, v => Assert.True(float.IsFinite(v) && v >= 0)); // pooled ReLU output
        Assert.True(backbone.OutputBuffer.Max() > 0);
    }

    [Fact]
    public void Model_HasSymbolicBatchInputAndPooledOutput()
    {
        var g = large.Proto.Graph;
        var input = Assert.Single(g.Input);
        Assert.Equal("input_1", input.Name);
        Assert.Equal(["N", "3", "331", "331"], input.Type.TensorType.Shape.Dim.Select(d => d.HasDimValue ? d.DimValue.ToString() : d.DimParam));
        var output = Assert.Single(g.Output);
        Assert.Equal("global_average_pooling2d", output.Name);
        Assert.Equal(["N", "4032"], output.Type.TensorType.Shape.Dim.Select(d => d.HasDimValue ? d.DimValue.ToString() : d.DimParam));
        Assert.True(large.Proto.OpsetImport.Single().Version >= 13);
        Assert.Equal(84_916_818, g.Initializer.Where(t => t.DataType == (int)TensorProto.Types.DataType.Float).Sum(t => t.Dims.Aggregate(1L, (a, d) => a * d)));
    }

    [Fact]
    public void BatchNormalization_CarriesKerasEpsilonAndMomentum()
    {
        var bn = large.Proto.Graph.Node.Where(n => n.OpType == "BatchNormalization").ToList();
        Assert.NotEmpty(bn);
        Assert.All(bn, n =>
        {
            Assert.Equal(1e-3f, n.Attribute.Single(a => a.Name == "epsilon").F);
            Assert.Equal(0.9997f, n.Attribute.Single(a => a.Name == "momentum").F);
        });
    }

    [Fact]
    public void Metadata_ListsThe1039KerasLayers()
    {
        var meta = large.Proto.MetadataProps.ToDictionary(p => p.Key, p => p.Value);
        var layers = JsonSerializer.Deserialize<string[]>(meta[GraftModelMetadata.Layers])!;
        Assert.Equal(1039, layers.Length);
        Assert.Equal("input_1", layers[0]);
        Assert.Equal("activation_259", layers[^1]);
        Assert.Equal(1039, JsonSerializer.Deserialize<string[]>(meta[GraftModelMetadata.LayerTypes])!.Length);
        Assert.Equal("random:seed=7", meta[GraftModelMetadata.Weights]);
    }

    [Fact]
    public void Layers_AsTheOneTableCountsThem_AreTheDescriptorsCount()
    {
        var shipped = BackboneDescriptor.Load(Path.Combine(Repo.Root, "models", "onnx", "nasnet_large.json"));
        var table = BackboneLayers.Of(large.Proto);

        Assert.True(table.FromMetadata);
        Assert.Equal(1039, table.Count);
        Assert.Equal(shipped.FineTune!.Layers, table.Count);
        Assert.Equal("kerasLayers", shipped.FineTune.LayerRule);
        Assert.Equal(["global_average_pooling2d/pool", "global_average_pooling2d"], table.UnclaimedNodes);
        // The seed's cut: the top 339 start inside the last cells, never at the input.
        Assert.InRange(table.Count - shipped.FineTune.TrainTop!.Value, 600, 800);
    }

    [Fact]
    public void Nodes_AreNamedAfterTheirKerasLayer_AndInitializersAfterTheirConsumer()
    {
        var g = large.Proto.Graph;
        var layers = JsonSerializer.Deserialize<string[]>(large.Proto.MetadataProps.Single(p => p.Key == GraftModelMetadata.Layers).Value)!.ToHashSet();
        string Owner(string name) => name.Split('/')[0];

        Assert.Equal(g.Node.Count, g.Node.Select(n => n.Name).Distinct().Count());
        Assert.All(g.Node, n => Assert.True(layers.Contains(Owner(n.Name)) || Owner(n.Name) == GraftModelMetadata.PooledOutput, n.Name));
        Assert.All(g.Node.Where(n => n.Name.Contains('/')), n => Assert.Contains(n.Name.Split('/')[1], new[] { "depthwise", "pool" }));
        // Every layer except the input has a node carrying its exact name, whose output is the layer's output.
        var exact = g.Node.Select(n => n.Name).ToHashSet();
        Assert.All(layers.Where(l => l != "input_1"), l => Assert.Contains(l, exact));
        // Initializers: "<layer>/<weight>", consumed only by nodes of that layer.
        var consumers = g.Node.SelectMany(n => n.Input.Select(i => (Input: i, Node: n.Name))).ToLookup(p => p.Input, p => p.Node);
        Assert.All(g.Initializer, t => Assert.All(consumers[t.Name], node => Assert.Equal(Owner(t.Name), Owner(node))));
        var sep = g.Node.Single(n => n.Name == "separable_conv_1_normal_left1_0/depthwise");
        Assert.Equal(168, sep.Attribute.Single(a => a.Name == "group").I);
        Assert.Equal(["separable_conv_1_normal_left1_0/depthwise"], g.Node.Single(n => n.Name == "separable_conv_1_normal_left1_0").Input.Take(1));
    }

    [Fact]
    public void Descriptor_MatchesTheShippedNasNetLargeDescriptor_PlusHash()
    {
        var written = BackboneDescriptor.Load(large.Result.DescriptorPath!);
        var shipped = BackboneDescriptor.Load(Path.Combine(Repo.Root, "models", "onnx", "nasnet_large.json"));
        Assert.Equal(shipped.Name, written.Name);
        Assert.Equal(shipped.Model.Path, written.Model.Path);
        Assert.Equal(shipped.Input.Name, written.Input.Name);
        Assert.Equal(shipped.Output, written.Output);
        Assert.Equal(shipped.Preprocess.CanonicalText(), written.Preprocess.CanonicalText());
        Assert.Equal(large.Result.Sha256, written.Sha256);
        Assert.Equal(ModelHash.Compute(large.Result.OnnxPath), written.Sha256);
        Assert.Contains("random", written.Id);
    }
}
