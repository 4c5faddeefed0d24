using Graft.FeatureCache.Backbones;
using Graft.FeatureCache.Preprocessing;
using Graft.FineTuner.Conversion;
using Graft.FineTuner.Heads;
using TorchSharp;
using static TorchSharp.torch;
using Graft.FineTuner.Training.Boundary;
using Graft.FineTuner.Training.Optimization;

namespace Graft.FineTuner.Training;

/// <summary>
/// Backbone + head as one module: images [N, 3, H, W] (or NHWC, as the backbone takes them) → backbone output →
/// pooled features [N, D] → head → logits [N, C]. <see cref="ForwardFromBoundary"/> starts at cached freeze-boundary
/// activations instead of images, running only the trainable top of the backbone.
/// </summary>
public sealed class FineTuneModel : nn.Module<Tensor, Tensor>
{
    private readonly OutputPooling _pooling;
    private readonly TensorLayout _layout;

    public FineTuneModel(OnnxGraphModule backbone, DenseHeadModule head, OutputPooling pooling, TensorLayout layout) : base("finetune")
    {
        Backbone = backbone;
        Head = head;
        _pooling = pooling;
        _layout = layout;
        register_module("backbone", backbone);
        register_module("head", head);
    }

    public OnnxGraphModule Backbone { get; }

    public DenseHeadModule Head { get; }

    public override Tensor forward(Tensor images)
    {
        using var output = Backbone.forward(images);
        using var features = Pool(output);
        return Head.forward(features);
    }

    /// <summary>Logits from boundary activations (one tensor per boundary value, each [N, …]).</summary>
    public Tensor ForwardFromBoundary(IReadOnlyList<string> names, IReadOnlyList<Tensor> values)
    {
        using var features = FeaturesFromBoundary(names, values);
        return Head.forward(features);
    }

    /// <summary>Pooled backbone features [N, D] from boundary activations: what a precompute with the fine-tuned
    /// backbone would store, with only the top of the backbone run.</summary>
    public Tensor FeaturesFromBoundary(IReadOnlyList<string> names, IReadOnlyList<Tensor> values)
    {
        var feeds = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        for (var i = 0; i < names.Count; i++) feeds[names[i]] = values[i];
        using var output = Backbone.Run(feeds, [Backbone.OutputName])[0];
        return Pool(output);
    }

    /// <summary>Backbone output → [N, D]: flattened when the graph pools, else averaged over the spatial dimensions.</summary>
    public Tensor Pool(Tensor output)
    {
        var n = output.shape[0];
        if (_pooling == OutputPooling.InGraph || output.dim() == 2) return output.reshape(n, -1);
        long[] spatial = _layout == TensorLayout.Nchw ? [2, 3] : [1, 2];
        return output.mean(spatial);
    }
}
