using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;
using Graft.FineTuner.Training.Boundary;
using Graft.FineTuner.Training.Optimization;

namespace Graft.FineTuner.Heads;

/// <summary>
/// A head as a TorchSharp module: [N, D] features → (x − shift)·scale → dense layers → logits [N, C]. Parameters
/// are named <c>dense_i_weight</c> [out, in] and <c>dense_i_bias</c>; the normalisation is a pair of buffers.
/// </summary>
public sealed class DenseHeadModule : nn.Module<Tensor, Tensor>
{
    private readonly DenseLayerWeights[] _layout;
    private readonly bool _normalized;

    public DenseHeadModule(IHeadWeights weights) : base("head")
    {
        var head = DenseHead.From(weights);
        ClassNames = head.ClassNames;
        InputDimension = head.InputDimension;
        _layout = head.Layers.ToArray();
        _normalized = head.Normalization is not null;
        if (head.Normalization is { } n)
        {
            register_buffer("input_shift", tensor(n.Shift));
            register_buffer("input_scale", tensor(n.Scale));
        }
        for (var i = 0; i < _layout.Length; i++)
        {
            var l = _layout[i];
            register_parameter($"dense_{i}_weight", new TorchSharp.Modules.Parameter(tensor(l.Weight, [l.Outputs, l.Inputs])));
            register_parameter($"dense_{i}_bias", new TorchSharp.Modules.Parameter(tensor(l.Bias, [l.Outputs])));
        }
    }

    public IReadOnlyList<string> ClassNames { get; }

    public int InputDimension { get; }

    /// <summary>[N, D] → logits [N, C].</summary>
    public override Tensor forward(Tensor features)
    {
        using var scope = NewDisposeScope();
        var x = features;
        if (_normalized) x = x.sub(get_buffer("input_shift")!).mul(get_buffer("input_scale")!);
        for (var i = 0; i < _layout.Length; i++)
        {
            var l = _layout[i];
            if (l.DropoutBefore > 0 && training) x = F.dropout(x, l.DropoutBefore, training: true);
            x = F.linear(x, get_parameter($"dense_{i}_weight")!, get_parameter($"dense_{i}_bias")!);
            if (l.Activation == HeadActivation.Relu) x = x.relu();
        }
        return ReferenceEquals(x, features) ? x.alias().MoveToOuterDisposeScope() : x.MoveToOuterDisposeScope();
    }

    /// <summary>The current weights (after training) in the fine-tuner's head format.</summary>
    public DenseHead ToWeights()
    {
        static float[] Values(Tensor t) => Storage.TensorValues.Floats(t);
        return new DenseHead
        {
            InputDimension = InputDimension,
            ClassNames = ClassNames,
            Normalization = _normalized ? new FeatureAffine(Values(get_buffer("input_shift")!), Values(get_buffer("input_scale")!)) : null,
            Layers = _layout.Select((l, i) => l with
            {
                Weight = Values(get_parameter($"dense_{i}_weight")!),
                Bias = Values(get_parameter($"dense_{i}_bias")!),
            }).ToArray(),
        };
    }
}
