using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;
using Graft.FineTuner.Training.Boundary;

namespace Graft.FineTuner.Conversion.Ops;

/// <summary>ONNX GridSample on 4-D input (spatial transformers, deformable sampling): torch's grid_sample, which has the
/// same modes (bilinear — opset 20's "linear" — and nearest), padding modes (zeros, border, reflection) and
/// align_corners meaning; differentiable with respect to input and grid. Bicubic is refused: TorchSharp's
/// GridSampleMode does not expose it.</summary>
internal sealed class GridSampleOp : OnnxOp
{
    private readonly GridSampleMode _mode;
    private readonly GridSamplePaddingMode _padding;
    private readonly bool _alignCorners;

    public GridSampleOp(NodeAttributes a) : base(a.Node)
    {
        var mode = a.String("mode", "bilinear");
        _mode = mode switch
        {
            "bilinear" or "linear" => GridSampleMode.Bilinear,
            "nearest" => GridSampleMode.Nearest,
            _ => throw Unsupported($"GridSample mode '{mode}'"),
        };
        var padding = a.String("padding_mode", "zeros");
        _padding = padding switch
        {
            "zeros" => GridSamplePaddingMode.Zeros,
            "border" => GridSamplePaddingMode.Border,
            "reflection" => GridSamplePaddingMode.Reflection,
            _ => throw Unsupported($"GridSample padding_mode '{padding}'"),
        };
        _alignCorners = a.Int("align_corners", 0) != 0;
    }

    public override Tensor[] Run(Tensor?[] inputs, bool training)
    {
        var x = Input(inputs, 0);
        var grid = Input(inputs, 1);
        if (x.dim() != 4) throw Unsupported($"GridSample on a rank-{x.dim()} input (only 4-D)");
        if (grid.dim() != 4 || grid.shape[0] != x.shape[0] || grid.shape[3] != 2)
            throw new GraftException($"{Describe}: grid {IndexChecks.Shape(grid)} does not fit input {IndexChecks.Shape(x)} (expected [N, H, W, 2]).");
        using var g = grid.to(x.dtype, x.device);
        return [F.grid_sample(x, g, _mode, _padding, _alignCorners)];
    }
}
