using Graft.FeatureCache.Backbones;
using Graft.FeatureCache.Preprocessing;
using Graft.FeatureCache.Tests.Fixtures;

namespace Graft.FeatureCache.Tests.Backbones;

public sealed class BackboneCatalogTests : IDisposable
{
    private readonly TempDir _dir = new("catalog");

    public void Dispose() => _dir.Dispose();

    /// <summary>timm's "one test sweeps every registered model": every shipped descriptor validates, and where its
    /// file is present the graph agrees with it (input name, feature width, hash).</summary>
    [Fact]
    public void EveryShippedDescriptor_IsValidAndMatchesItsModelWhenPresent()
    {
        var catalog = BackboneCatalog.Default();
        Assert.Contains(catalog.All, d => d.Name == "resnet18");
        Assert.Contains(catalog.All, d => d.Name == "nasnet_large");
        var checkedModels = 0;
        foreach (var d in catalog.All)
        {
            d.Validate();
            string path;
            try
            {
                path = ModelFileLocator.Locate(d.Model, Path.GetDirectoryName(d.DescriptorPath));
            }
            catch (GraftException)
            {
                Assert.False(d.Model.IsPackage, $"{d.Name}: a packaged model must be present after restore");
                continue;
            }
            if (d.Sha256 is not null) Assert.Equal(d.Sha256, ModelHash.Compute(path));
            using var b = OnnxBackbone.Load(d, new BackboneRunOptions { Device = ExecutionDevice.Cpu, MaxBatchSize = 2 });
            b.Run(2);
            Assert.Equal(d.Output.Dimension, b.Dimension);
            checkedModels++;
        }
        Assert.True(checkedModels >= 1, "resnet18 ships in a package and must have been checked");
    }

    [Fact]
    public void Resnet18_MatchesItsDescriptorsFineTuneAndCheckSections()
    {
        var d = BackboneCatalog.Default().Resolve("resnet18");

        var r = BackboneConformance.Run(d);

        Assert.True(r.Passed, $"layers {r.LayersFound} vs {r.LayersDeclared}, trainFrom at {r.TrainFromIndex}, Δ {r.FeatureDeviation} / {r.NormDeviation}");
        Assert.Equal(74, r.LayersFound);
        Assert.Equal(50, r.TrainFromIndex);
        Assert.InRange(r.FeatureDeviation!.Value, 0f, 1e-4f);
        Assert.InRange(r.NormDeviation!.Value, 0f, 1e-4f);
    }

    [Fact]
    public void Check_CatchesAPreprocessingMistakeAndAWrongCount()
    {
        var d = BackboneCatalog.Default().Resolve("resnet18");

        // RGB fed to a BGR model: the golden image's features move well beyond the tolerance (4 % measured).
        var swapped = BackboneConformance.Run(d with { Preprocess = d.Preprocess with { ChannelOrder = ChannelOrder.Rgb } });
        Assert.False(swapped.FeaturesAgree);
        Assert.True(swapped.FeatureDeviation > 10 * d.Check!.Tolerance, $"{swapped.FeatureDeviation}");

        var miscounted = BackboneConformance.Run(d with { FineTune = d.FineTune! with { Layers = 75 }, Check = null });
        Assert.False(miscounted.Passed);
        var missingCut = BackboneConformance.Run(d with { FineTune = d.FineTune! with { TrainFrom = "Convolution9999" }, Check = null });
        Assert.Equal(-1, missingCut.TrainFromIndex);
        Assert.False(missingCut.Passed);
    }

    [Theory]
    [InlineData("nasnet_large_tf2onnx.json", TensorLayout.Nhwc, OutputPooling.InGraph)]
    [InlineData("nasnet_large_timm.json", TensorLayout.Nchw, OutputPooling.GlobalAverage)]
    public void ExampleDescriptors_ForOtherNasnetExports_AreValid(string file, TensorLayout layout, OutputPooling pooling)
    {
        var d = BackboneDescriptor.Load(Path.Combine(Repo.Root, "models", "onnx", "examples", file));
        Assert.Equal(4032, d.Output.Dimension);
        Assert.Equal(331, d.Preprocess.Width);
        Assert.Equal(layout, d.Preprocess.Layout);
        Assert.Equal(pooling, d.Output.Pooling);
        // Both normalise to x/127.5 − 1, as Keras's NASNet preprocess_input does.
        var p = d.Preprocess;
        Assert.Equal(-1f, (0 * p.Scale - p.Mean[0]) / p.Std[0], 1e-6f);
        Assert.Equal(1f, (255 * p.Scale - p.Mean[0]) / p.Std[0], 1e-6f);
    }

    [Fact]
    public void ExampleDescriptor_ConvNextTiny_RecordsItsCutInStages()
    {
        var d = BackboneDescriptor.Load(Path.Combine(Repo.Root, "models", "onnx", "examples", "convnext_tiny_torchvision.json"));
        Assert.Equal((1, BackboneUnit.Stage, (string?)null), d.FineTune!.DefaultCut());
        Assert.Equal(22, d.FineTune.Blocks);
        Assert.Equal(5, d.FineTune.Stages);
        var both = Assert.Throws<GraftException>(() => (d with { FineTune = d.FineTune with { TrainBlocks = 2 } }).Validate());
        Assert.Contains("more than one of trainFrom, trainTop, trainBlocks and trainStages", both.Message);
        var tooMany = Assert.Throws<GraftException>(() => (d with { FineTune = d.FineTune with { TrainStages = 6 } }).Validate());
        Assert.Contains("trainStages 6 is outside 1..5", tooMany.Message);
    }

    [Fact]
    public void ShippedDescriptors_CarryTheirPreprocessingFacts()
    {
        var catalog = BackboneCatalog.Default();
        var r = catalog.Resolve("resnet18");
        Assert.Equal(512, r.Output.Dimension);
        Assert.Equal(ChannelOrder.Bgr, r.Preprocess.ChannelOrder);
        Assert.NotNull(r.Preprocess.MeanImage);
        var n = catalog.Resolve("nasnet_large");
        Assert.Equal(331, n.Preprocess.Width);
        Assert.Equal(4032, n.Output.Dimension);
        Assert.Equal(1f / 127.5f, n.Preprocess.Scale, 1e-9f);
        Assert.Equal([1f, 1f, 1f], n.Preprocess.Mean);
    }

    [Fact]
    public void Resolve_UnknownName_ListsKnownBackbones()
    {
        var e = Assert.Throws<GraftException>(() => BackboneCatalog.Default().Resolve("vgg99"));
        Assert.Contains("Unknown backbone 'vgg99'", e.Message);
        Assert.Contains("resnet18", e.Hint);
    }

    [Fact]
    public void Resolve_BareOnnx_DescribesItFromTheGraph()
    {
        var model = TinyOnnx.Write(_dir.File("mine.onnx"), size: 32, channels: 6);
        var d = BackboneCatalog.Default().Resolve(model);
        Assert.Equal("mine", d.Name);
        Assert.Equal("input", d.Input.Name);
        Assert.Equal("features", d.Output.Name);
        Assert.Equal(6, d.Output.Dimension);
        Assert.Equal(32, d.Preprocess.Width);
        Assert.Equal(OutputPooling.InGraph, d.Output.Pooling);
        Assert.Equal(0.485f, d.Preprocess.Mean[0]); // torch preset unless told otherwise
    }

    [Fact]
    public void Resolve_BareOnnxWithFeatureMapAndOverrides_PoolsAndAppliesFlags()
    {
        var model = TinyOnnx.Write(_dir.File("map.onnx"), size: 16, channels: 5, pool: false);
        var d = BackboneCatalog.Default().Resolve(model, new BackboneOverrides { Preset = "tf", Resize = ResizeMode.CenterCrop, CropFraction = 0.875 });
        Assert.Equal(OutputPooling.GlobalAverage, d.Output.Pooling);
        Assert.Equal(5, d.Output.Dimension);
        Assert.Equal(1f / 127.5f, d.Preprocess.Scale);
        Assert.Equal(0.875, d.Preprocess.CropFraction);
    }

    [Fact]
    public void Resolve_NhwcModel_DetectsLayoutAndMatchesTheNchwTwin()
    {
        var nhwcModel = TinyOnnx.Write(_dir.File("nhwc.onnx"), size: 16, nhwc: true, seed: 4);
        var nchwModel = TinyOnnx.Write(_dir.File("nchw.onnx"), size: 16, seed: 4);
        var d = BackboneCatalog.Default().Resolve(nhwcModel);
        Assert.Equal(TensorLayout.Nhwc, d.Preprocess.Layout);
        var options = new BackboneRunOptions { Device = ExecutionDevice.Cpu, MaxBatchSize = 1 };
        using var nhwc = OnnxBackbone.Load(d, options);
        using var nchw = OnnxBackbone.Load(BackboneCatalog.Default().Resolve(nchwModel), options);
        var rng = new Random(5);
        for (var c = 0; c < 3; c++)
            for (var p = 0; p < 256; p++)
                nhwc.InputBuffer[p * 3 + c] = nchw.InputBuffer[c * 256 + p] = (float)rng.NextDouble();

        nhwc.Run(1);
        nchw.Run(1);

        for (var j = 0; j < 8; j++) Assert.Equal(nchw.OutputBuffer[j], nhwc.OutputBuffer[j], 1e-5f);
    }

    [Fact]
    public void DescriptorFile_RoundTripsThroughJson()
    {
        var d = BackboneCatalog.Default().Resolve("resnet18");
        var path = _dir.File("copy.json");
        d.Save(path);
        var back = BackboneDescriptor.Load(path);
        Assert.Equal(d.Preprocess.CanonicalText(), back.Preprocess.CanonicalText());
        Assert.Equal(d.Sha256, back.Sha256);
        Assert.Equal(d.Output, back.Output);
    }

    [Fact]
    public void WithAbsolutePaths_SavedElsewhere_StillFindsTheUserModel()
    {
        Directory.CreateDirectory(_dir.File("models"));
        TinyOnnx.Write(_dir.File("models/mine.onnx"));
        var original = OnnxBackboneTests.Tiny("mine.onnx");
        original.Save(_dir.File("models/mine.json"));
        var loaded = BackboneDescriptor.Load(_dir.File("models/mine.json"));
        Directory.CreateDirectory(_dir.File("run"));

        loaded.WithAbsolutePaths().Save(_dir.File("run/backbone.json"));
        var copy = BackboneDescriptor.Load(_dir.File("run/backbone.json"));

        Assert.Equal(_dir.File("models/mine.onnx"), ModelFileLocator.Locate(copy.Model, _dir.File("run")));
        Assert.Equal(loaded.Preprocess.CanonicalText(), copy.Preprocess.CanonicalText());
        var resnet = BackboneCatalog.Default().Resolve("resnet18");
        Assert.Equal(resnet.Model, resnet.WithAbsolutePaths().Model); // package paths stay package paths
    }

    [Fact]
    public void Load_MalformedDescriptor_ThrowsGraftException()
    {
        File.WriteAllText(_dir.File("bad.json"), "{ \"name\": \"x\", ");
        Assert.Throws<GraftException>(() => BackboneDescriptor.Load(_dir.File("bad.json")));
    }
}
