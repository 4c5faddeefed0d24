using System.Diagnostics;
using Google.Protobuf;
using Graft.FeatureCache.Backbones;
using Graft.FineTuner.Conversion;
using Graft.FineTuner.Layers;
using Microsoft.ML.OnnxRuntime;
using TorchSharp;

namespace Graft.Bench.FineTune;

/// <summary>One model's figures from <see cref="ConvertBenchmark"/>.</summary>
/// <param name="Model">File name.</param>
/// <param name="Parameters">Trainable values (weights, biases, norm scales) after conversion.</param>
/// <param name="Nodes">ONNX nodes the converter runs.</param>
/// <param name="Blocks">Blocks <see cref="BackboneLayers"/> finds.</param>
/// <param name="Stages">Stages <see cref="BackboneLayers"/> finds.</param>
/// <param name="ConvertSeconds">Reading the file and building the TorchSharp module.</param>
/// <param name="ParityMaxDiff">Max |Δ| of the module's eval forward against ONNX Runtime on one seeded image.</param>
/// <param name="ParityScale">The output's largest magnitude (at least 1): the parity criterion is MaxDiff ≤ 1e-4 × Scale.</param>
/// <param name="StepSeconds">One training step (forward in train mode, cross-entropy, backward) with every layer trainable.</param>
/// <param name="ParametersWithGradient">Parameters the step's backward reached (non-zero gradient).</param>
/// <param name="ParameterTensors">Parameter tensors in the module.</param>
public sealed record ConvertBenchRow(string Model, long Parameters, int Nodes, int Blocks, int Stages, double ConvertSeconds,
    double ParityMaxDiff, double ParityScale, double StepSeconds, int ParametersWithGradient, int ParameterTensors);

/// <summary>
/// <c>graft bench convert FILE.onnx…</c>: how long the ONNX → TorchSharp converter takes on full-size models (the
/// modern torchvision backbones that make_modern_fixtures.py --full exports), whether the result matches ONNX Runtime,
/// and what one full fine-tuning step costs — the figures behind docs/benchmarks.md's converter table.
/// </summary>
public static class ConvertBenchmark
{
    /// <summary>The row's name: the file name, or its folder's for ONNX's backend test layout (every file model.onnx).</summary>
    public static string ModelName(string path) =>
        Path.GetFileName(path) == "model.onnx" ? Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(path))) ?? path : Path.GetFileName(path);

    /// <param name="path">An ONNX model with one image input [N, 3, size, size] and one output.</param>
    /// <param name="size">Input side in pixels where the model leaves it open; a model that fixes its height and width
    /// (Inception's 299, a fixed-size export) is fed those.</param>
    /// <param name="batch">Images in the training step (2 at least: BatchNorm needs two).</param>
    public static ConvertBenchRow Run(string path, int size = 224, int batch = 2)
    {
        var clock = Stopwatch.StartNew();
        var file = OnnxModelFile.Load(path);
        using var module = OnnxGraphModule.Create(file);
        var convert = clock.Elapsed.TotalSeconds;
        var layers = LayerList.For(module);
        var dims = file.Graph.Input.FirstOrDefault(i => i.Name == module.InputName)?.Type?.TensorType?.Shape?.Dim;
        long height = dims is { Count: 4 } && dims[2].DimValue > 0 ? dims[2].DimValue : size;
        long width = dims is { Count: 4 } && dims[3].DimValue > 0 ? dims[3].DimValue : size;

        // Parity on one seeded image, eval mode.
        var rng = new Random(7);
        var data = Enumerable.Range(0, (int)(3 * height * width)).Select(_ => (float)(rng.NextDouble() * 4 - 2)).ToArray();
        long[] shape = [1, 3, height, width];
        module.eval();
        float[] mine;
        using (torch.no_grad())
        using (var x = torch.tensor(data, shape))
        using (var y = module.forward(x))
            mine = y.contiguous().data<float>().ToArray();
        var copy = file.Model.Clone();
        BatchDimension.MakeSymbolic(copy.Graph);
        float[] theirs;
        using (var options = new SessionOptions())
        using (var session = new InferenceSession(copy.ToByteArray(), options))
        using (var value = OrtValue.CreateTensorValueFromMemory(data, shape))
        using (var runOptions = new RunOptions())
        using (var results = session.Run(runOptions, [module.InputName], [value], [module.OutputName]))
            theirs = results[0].GetTensorDataAsSpan<float>().ToArray();
        var scale = Math.Max(1.0, theirs.Max(v => Math.Abs((double)v)));
        var maxDiff = mine.Zip(theirs, (a, b) => Math.Abs((double)a - b)).DefaultIfEmpty(0).Max();

        // One training step, everything trainable.
        FreezePlan.Create(module, layers, layers.Count, null).Apply(module);
        module.train();
        torch.manual_seed(5);
        clock.Restart();
        using (var x = torch.randn(batch, 3, height, width))
        using (var logits = module.forward(x))
        using (var labels = torch.zeros(batch, dtype: torch.ScalarType.Int64))
        using (var flat = logits.reshape(batch, -1))
        using (var loss = torch.nn.functional.cross_entropy(flat, labels))
            loss.backward();
        var step = clock.Elapsed.TotalSeconds;
        var reached = module.ParameterInitializers.Count(n => module.Weight(n).grad is { } g && g.abs().sum().item<float>() > 0);
        var parameters = module.ParameterInitializers.Sum(n => module.Weight(n).numel());
        return new ConvertBenchRow(ModelName(path), parameters, module.Nodes.Count, layers.Table.Blocks.Count, layers.Table.Stages.Count,
            convert, maxDiff, scale, step, reached, module.ParameterInitializers.Count);
    }
}
