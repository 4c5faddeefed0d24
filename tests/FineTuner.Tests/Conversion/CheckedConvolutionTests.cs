using Graft.FineTuner.Conversion;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Graft.FineTuner.Tests.Conversion;

public sealed class CheckedConvolutionTests
{
    // Shapes include those libtorch's oneDNN kernel got wrong on a virtualised AMD EPYC (input channels not a multiple
    // of 8), grouped/depthwise, strided, dilated and biased ones.
    [Theory]
    [InlineData(20, 40, 4, 1, 1, 1, false)]
    [InlineData(42, 42, 8, 1, 1, 1, true)]
    [InlineData(168, 168, 4, 1, 1, 168, false)]
    [InlineData(24, 48, 9, 2, 1, 4, true)]
    [InlineData(16, 32, 11, 1, 2, 1, true)]
    [InlineData(3, 64, 32, 2, 1, 1, false)]
    public void Conv2d_AnyShape_MatchesFloat64Convolution(int inChannels, int outChannels, int size, int stride, int dilation, int groups, bool bias)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var generator = new Generator(7);
        var x = randn([2, inChannels, size, size], generator: generator);
        var w = randn([outChannels, inChannels / groups, 3, 3], generator: generator) * 0.2;
        var b = bias ? randn([outChannels], generator: generator) : null;
        long[] strides = [stride, stride], padding = [dilation, dilation], dilations = [dilation, dilation];
        var expected = F.conv2d(x.to(ScalarType.Float64), w.to(ScalarType.Float64), b?.to(ScalarType.Float64), strides, padding, dilations, groups);
        var scale = expected.abs().max().item<double>();
        foreach (var y in new[] { CheckedConvolution.Conv2d(x, w, b, strides, padding, dilations, groups),
                     CheckedConvolution.Unfolded(x, w, b, strides, padding, dilations, groups) })
        {
            Assert.Equal(expected.shape, y.shape);
            Assert.True((y.to(ScalarType.Float64) - expected).abs().max().item<double>() <= 1e-5 * Math.Max(1, scale));
        }
    }

    [Fact]
    public void Unfolded_Gradients_MatchFloat64Convolution()
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(3);
        var x = randn([2, 20, 6, 6], generator: generator, dtype: ScalarType.Float64).requires_grad_(true);
        var w = randn([40, 10, 3, 3], generator: generator, dtype: ScalarType.Float64).requires_grad_(true);
        var reference = autograd.grad([F.conv2d(x, w, null, [1, 1], [1, 1], [1, 1], 2).pow(2).sum()], [x, w]);
        var unfolded = autograd.grad([CheckedConvolution.Unfolded(x, w, null, [1, 1], [1, 1], [1, 1], 2).pow(2).sum()], [x, w]);
        foreach (var (a, b) in reference.Zip(unfolded)) Assert.True((a - b).abs().max().item<double>() < 1e-9);
    }
}
