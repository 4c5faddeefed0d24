using Graft.FeatureCache.Backbones;
using Graft.FeatureCache.Preprocessing;
using Graft.FeatureCache.Store;
using Graft.FineTuner.Conversion;
using Graft.FineTuner.Heads;
using Graft.FineTuner.Layers;
using TorchSharp;
using static TorchSharp.torch;
using Graft.FineTuner.Training.Boundary;
using Graft.FineTuner.Training.Optimization;
using Graft.FineTuner.Training.Augmentation;

namespace Graft.FineTuner.Training;

/// <summary>
/// Everything set up for fine-tuning one backbone + head: the ONNX graph converted to TorchSharp, the layer list and
/// freeze plan applied, the freeze boundary, the head, the combined model on its device, and the image loader with the
/// backbone's preprocessing. Disposing releases every tensor.
/// </summary>
public sealed class FineTuneSession : IDisposable
{
    private FineTuneSession(BackboneDescriptor descriptor, string modelPath, string sha, OnnxGraphModule backbone, LayerList layers,
        FreezePlan plan, FreezeBoundary boundary, FineTuneModel model, Device device, ImageTensorLoader loader, IReadOnlyList<string> log)
    {
        Descriptor = descriptor;
        ModelPath = modelPath;
        ModelSha256 = sha;
        Backbone = backbone;
        Layers = layers;
        Plan = plan;
        Boundary = boundary;
        Model = model;
        Device = device;
        Loader = loader;
        Log = log;
    }

    public BackboneDescriptor Descriptor { get; }
    public string ModelPath { get; }
    public string ModelSha256 { get; }
    public OnnxGraphModule Backbone { get; }
    public LayerList Layers { get; }
    public FreezePlan Plan { get; }
    public FreezeBoundary Boundary { get; }
    public FineTuneModel Model { get; }
    public Device Device { get; }
    public ImageTensorLoader Loader { get; }

    /// <summary>Setup lines for the log: device, layers, freeze plan, boundary.</summary>
    public IReadOnlyList<string> Log { get; }

    /// <summary>The head's trainable values.</summary>
    public long HeadParameterCount => Model.Head.parameters().Sum(p => p.numel());

    /// <summary>Loads and checks the backbone, converts it, applies the freeze plan and builds the model.</summary>
    public static FineTuneSession Create(BackboneDescriptor descriptor, IHeadWeights head, FineTuneOptions options)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        ArgumentNullException.ThrowIfNull(head);
        options.Validate();
        if (options.Threads > 0) torch.set_num_threads(options.Threads);
        var (device, deviceLine) = TorchDevice.Resolve(options.Device);
        var modelFile = BackboneModelFile.Open(descriptor);
        var (modelPath, sha) = (modelFile.Path, modelFile.Sha256);
        if (head.InputDimension != descriptor.Output.Dimension)
            throw new GraftException($"The head reads {head.InputDimension} features but backbone '{descriptor.Name}' gives {descriptor.Output.Dimension}.",
                "Fine-tune with the backbone the head was trained on.");

        var backbone = OnnxGraphModule.Create(OnnxModelFile.Load(modelPath), descriptor.Input.Name, descriptor.Output.Name);
        try
        {
            var layers = LayerList.For(backbone);
            var plan = FreezePlan.Create(backbone, layers, options.TrainTop, options.TrainFrom, options.TrainUnit);
            plan.Apply(backbone);
            backbone.FreezeNormStatistics = !options.TrainBatchNormStatistics;
            var boundary = FreezeBoundary.For(backbone, plan);
            var headModule = new DenseHeadModule(head);
            var model = new FineTuneModel(backbone, headModule, descriptor.Output.Pooling, descriptor.Preprocess.Layout);
            if (device.type != DeviceType.CPU) model.to(device);
            var meanImage = modelFile.LoadMeanImage();
            var loader = new ImageTensorLoader(descriptor.Preprocess, meanImage);
            var log = new List<string>
            {
                deviceLine,
                $"backbone: {descriptor.Name} ({sha[..12]}…), {backbone.Nodes.Count} ONNX nodes, {layers.Count} layers"
                    + (layers.FromMetadata ? " (Keras layer list from the model)" : " (one per ONNX node)")
                    + (layers.Table.Blocks.Count > 0 ? $" in {layers.Table.Blocks.Count} blocks, {layers.Table.Stages.Count} stages" : ""),
                plan.Describe() + (options.TrainBatchNormStatistics ? "; BatchNorm of trainable layers trains its statistics" : "; BatchNorm statistics frozen (inference mode)"),
                $"head: {headModule.parameters().Sum(p => p.numel()):N0} trainable ({head.Layers.Count} dense layer(s), {head.ClassNames.Count} classes)",
                boundary.IsInput(backbone)
                    ? "freeze boundary: the input (the bottom layer trains; every epoch runs the whole backbone)"
                    : $"freeze boundary: {string.Join(", ", boundary.Values)}",
            };
            return new FineTuneSession(descriptor, modelPath, sha, backbone, layers, plan, boundary, model, device, loader, log);
        }
        catch
        {
            backbone.Dispose();
            throw;
        }
    }

    /// <summary>Parameter groups: trainable backbone layers at the backbone multiplier, the head at 1.</summary>
    public IReadOnlyList<ParameterGroup> ParameterGroups(FineTuneOptions options)
    {
        var all = Model.named_parameters().Where(p => p.parameter.requires_grad).ToList();
        var backbone = all.Where(p => p.name.StartsWith("backbone.", StringComparison.Ordinal)).Select(p => (p.name, p.parameter)).ToList();
        var head = all.Where(p => p.name.StartsWith("head.", StringComparison.Ordinal)).Select(p => (p.name, p.parameter)).ToList();
        return [new ParameterGroup("backbone", backbone, options.BackboneLearningRateMultiplier), new ParameterGroup("head", head, 1.0)];
    }

    /// <summary>The boundary-cache key of this backbone and cut point.</summary>
    public BoundaryKey BoundaryKey(FeatureDType dtype = FeatureDType.Float32) =>
        new(ModelSha256, Backbone.InputName, Boundary.Values, Descriptor.Preprocess.CanonicalText(), FeatureSetSpec.DecoderVersion, dtype);

    /// <summary>Input shape of a batch of <paramref name="count"/> images.</summary>
    public long[] InputShape(int count)
    {
        var p = Descriptor.Preprocess;
        return p.Layout == TensorLayout.Nchw ? [count, 3, p.Height, p.Width] : [count, p.Height, p.Width, 3];
    }

    public void Dispose() => Model.Dispose();
}
