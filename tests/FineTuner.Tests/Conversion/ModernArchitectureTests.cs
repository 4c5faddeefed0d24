using Graft.FeatureCache.Backbones;
using Graft.FeatureCache.Preprocessing;
using Graft.FineTuner.Conversion;
using Graft.FineTuner.Export;
using Graft.FineTuner.Layers;
using Graft.FineTuner.Tests.Fixtures;
using Onnx;
using TorchSharp;

namespace Graft.FineTuner.Tests.Conversion;

/// <summary>
/// Modern torchvision backbones (random weights, reduced in width and depth, real block structure and operators; see
/// Fixtures/make_modern_fixtures.py): each converts and matches ONNX Runtime, trains one step with a gradient on every
/// trainable parameter, is cut along its own blocks and stages, and writes back to an ONNX file ONNX Runtime runs.
/// </summary>
public sealed class ModernArchitectureTests
{
    /// <summary>One family's fixture and the block structure it must show.</summary>
    public sealed record Family(string File, int Size, int Blocks, int Stages, string LastStage, string LastBlock)
    {
        public override string ToString() => File;
    }

    public static readonly Family[] Families =
    [
        new("efficientnet_b0_s.onnx", 64, Blocks: 12, Stages: 8, LastStage: "features.7", LastBlock: "features.8"),
        // torchvision's MobileNetV3 has no stage modules: every block (features.N) counts as a stage.
        new("mobilenet_v3_large_s.onnx", 64, Blocks: 17, Stages: 17, LastStage: "features.16", LastBlock: "features.16"),
        new("regnet_y_s.onnx", 64, Blocks: 7, Stages: 5, LastStage: "trunk_output.block4", LastBlock: "trunk_output.block4.block4-0"),
        new("densenet121_s.onnx", 64, Blocks: 16, Stages: 5, LastStage: "features.denseblock4", LastBlock: "features.norm5"),
        new("convnext_tiny_s.onnx", 64, Blocks: 9, Stages: 5, LastStage: "features.7", LastBlock: "features.7.0"),
        new("vit_b_16_s.onnx", 64, Blocks: 3, Stages: 3, LastStage: "encoder.layers.encoder_layer_1", LastBlock: "encoder.layers.encoder_layer_1"),
        new("swin_t_s.onnx", 128, Blocks: 12, Stages: 5, LastStage: "features.7", LastBlock: "features.7.1"),
    ];

    public static TheoryData<Family> All() => new(Families);

    private static OnnxModelFile Load(Family f) => OnnxModelFile.Load(TorchvisionFixtureTests.Fixture(f.File));

    [Theory]
    [MemberData(nameof(All))]
    public void Forward_Export_MatchesOnnxRuntime(Family f)
    {
        Parity.Check(Load(f).Model, [2, 3, f.Size, f.Size], inputScale: 2f);
    }

    [Theory]
    [MemberData(nameof(All))]
    public void TrainStep_WholeBackbone_GradientReachesEveryParameter(Family f)
    {
        using var module = OnnxGraphModule.Create(Load(f));
        var plan = FreezePlan.Create(module, LayerList.For(module), null, LayerList.For(module).Layers[0].Name);
        plan.Apply(module);
        Assert.Equal(module.ParameterInitializers.Count, plan.TrainableParameters.Count);
        Step(module, f);
        foreach (var name in module.ParameterInitializers)
        {
            var grad = module.Weight(name).grad;
            Assert.True(grad is not null, $"{name}: no gradient");
            Assert.True(grad!.abs().sum().item<float>() > 0, $"{name}: gradient is all zero");
        }
    }

    [Fact]
    public void Create_Swin_RelativePositionBiasesAreParameters()
    {
        // torch folds relative_position_bias_table[relative_position_index] into one [1, heads, N, N] initializer
        // added to the attention logits of each block: learnable, so a Parameter, never a constant buffer.
        var file = Load(Families.Single(f => f.File.StartsWith("swin", StringComparison.Ordinal)));
        using var module = OnnxGraphModule.Create(file);
        var ranks = file.Graph.Initializer.ToDictionary(t => t.Name, t => t.Dims.Count);
        var biases = file.Graph.Node.Where(n => n.OpType == "Add" && n.Name.Contains("/attn/", StringComparison.Ordinal))
            .SelectMany(n => n.Input).Where(i => ranks.TryGetValue(i, out var r) && r == 4).ToList();
        Assert.Equal(8, biases.Count); // one per Swin block (depths 2, 2, 2, 2)
        Assert.All(biases, b => Assert.Contains(b, module.ParameterInitializers));
    }

    [Theory]
    [MemberData(nameof(All))]
    public void Blocks_TorchvisionExport_FollowTheModelsModules(Family f)
    {
        using var module = OnnxGraphModule.Create(Load(f));
        var table = LayerList.For(module).Table;
        Assert.Equal(f.Blocks, table.Blocks.Count);
        Assert.Equal(f.Stages, table.Stages.Count);
        Assert.Equal(f.LastStage, table.Stages[^1].Name);
        Assert.Equal(f.LastBlock, table.Blocks[^1].Name);
        // Blocks tile the layers: contiguous, in order, none empty.
        Assert.Equal(0, table.Blocks[0].FirstLayer);
        for (var b = 1; b < table.Blocks.Count; b++)
            Assert.Equal(table.Blocks[b - 1].FirstLayer + table.Blocks[b - 1].LayerCount, table.Blocks[b].FirstLayer);
        Assert.Equal(table.Count, table.Blocks[^1].FirstLayer + table.Blocks[^1].LayerCount);
        Assert.All(table.Stages, s => Assert.Equal(table.Blocks[s.FirstBlock].FirstLayer, s.FirstLayer));
    }

    [Theory]
    [MemberData(nameof(All))]
    public void TrainStages_LastStage_TrainsItsModulesOnlyAndGradientStopsThere(Family f)
    {
        using var module = OnnxGraphModule.Create(Load(f));
        var layers = LayerList.For(module);
        var table = layers.Table;
        var plan = FreezePlan.Create(module, layers, 1, null, BackboneUnit.Stage);
        Assert.Equal(table.Stages[^1].FirstLayer, plan.FirstTrainableLayer);
        Assert.Contains($"the top 1 of {f.Stages} stages", plan.Describe());

        // Parameters named after a module of the last stage train; those of every earlier block are frozen.
        var lastStageBlocks = table.Blocks.Where(b => b.Stage == table.Stages.Count - 1).Select(b => b.Name + ".").ToList();
        var earlier = table.Blocks.Where(b => b.Stage < table.Stages.Count - 1 && b.Name != "stem").Select(b => b.Name + ".").ToList();
        var named = module.ParameterInitializers.Where(p => lastStageBlocks.Any(p.StartsWith)).ToList();
        Assert.NotEmpty(named);
        Assert.All(named, p => Assert.Contains(p, plan.TrainableParameters));
        Assert.All(module.ParameterInitializers.Where(p => earlier.Any(p.StartsWith)), p => Assert.DoesNotContain(p, plan.TrainableParameters));

        plan.Apply(module);
        Step(module, f);
        foreach (var name in module.ParameterInitializers)
        {
            var grad = module.Weight(name).grad;
            if (plan.TrainableParameters.Contains(name))
                Assert.True(grad is not null && grad.abs().sum().item<float>() > 0, $"{name} (trainable): no gradient");
            else Assert.True(grad is null, $"{name} (frozen) got a gradient");
        }
    }

    [Theory]
    [MemberData(nameof(All))]
    public void TrainBlocks_TopTwo_StartAtTheSecondLastBlock(Family f)
    {
        using var module = OnnxGraphModule.Create(Load(f));
        var layers = LayerList.For(module);
        var plan = FreezePlan.Create(module, layers, 2, null, BackboneUnit.Block);
        Assert.Equal(layers.Table.Blocks[^2].FirstLayer, plan.FirstTrainableLayer);
        var byName = FreezePlan.Create(module, layers, null, layers.Table.Blocks[^2].Name);
        Assert.Equal(plan.FirstTrainableLayer, byName.FirstTrainableLayer);
        var tooMany = Assert.Throws<GraftException>(() => FreezePlan.Create(module, layers, f.Blocks + 1, null, BackboneUnit.Block));
        Assert.Contains($"{f.Blocks} blocks", tooMany.Message);
    }

    [Theory]
    [MemberData(nameof(All))]
    public void WriteBack_AfterAStep_OnnxRuntimeReproducesTheModule(Family f)
    {
        using var folder = new TempDir();
        var path = TorchvisionFixtureTests.Fixture(f.File);
        using var module = OnnxGraphModule.Create(OnnxModelFile.Load(path));
        // Stand-in for training: move every weight and statistic.
        torch.manual_seed(1);
        using (torch.no_grad())
            foreach (var name in module.ParameterInitializers.Concat(module.StatisticInitializers))
            {
                var w = module.Weight(name);
                using var noise = torch.rand_like(w).mul_(0.02);
                w.add_(noise);
            }
        var descriptor = new BackboneDescriptor
        {
            Name = "fixture",
            Model = new ModelFileSource { Path = path },
            Input = new BackboneInput { Name = "input" },
            Output = new BackboneOutput { Name = "logits", Dimension = 10 },
            Preprocess = new PreprocessSpec { Width = f.Size, Height = f.Size },
        };
        var written = OnnxWriteBack.Write(module, descriptor, ModelHash.Compute(path), folder.Path, "fixture-ft");

        var rng = new Random(3);
        long[] shape = [2, 3, f.Size, f.Size];
        var data = Enumerable.Range(0, (int)shape.Aggregate(1L, (a, b) => a * b)).Select(_ => (float)(rng.NextDouble() * 4 - 2)).ToArray();
        module.eval();
        float[] mine;
        using (torch.no_grad())
        using (var x = torch.tensor(data, shape))
        using (var y = module.forward(x))
            mine = y.data<float>().ToArray();
        var (theirs, _) = OrtReference.Run(ModelProto.Parser.ParseFrom(File.ReadAllBytes(written.ModelPath)), "input", data, shape);
        var scale = Math.Max(1, theirs.Max(v => Math.Abs(v)));
        Assert.True(mine.Zip(theirs, (a, b) => Math.Abs(a - b)).Max() <= 1e-4 * scale);
        var (originalOut, _) = OrtReference.Run(OnnxModelFile.Load(path).Model, "input", data, shape);
        Assert.True(originalOut.Zip(theirs, (a, b) => Math.Abs(a - b)).Max() > 1e-3, "the written weights are the original ones");
    }

    /// <summary>One training step in train mode: cross-entropy of the logits against fixed labels, backward.</summary>
    private static void Step(OnnxGraphModule module, Family f)
    {
        module.train();
        torch.manual_seed(5);
        using var x = torch.randn(2, 3, f.Size, f.Size);
        using var logits = module.forward(x);
        using var labels = torch.tensor(new long[] { 3, 7 });
        using var loss = torch.nn.functional.cross_entropy(logits, labels);
        Assert.True(float.IsFinite(loss.item<float>()));
        loss.backward();
    }
}
