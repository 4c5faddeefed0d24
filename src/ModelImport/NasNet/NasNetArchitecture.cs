using Graft.ModelImport.Keras;

namespace Graft.ModelImport.NasNet;

/// <summary>
/// NASNet-A exactly as keras.applications.nasnet builds it (Keras Applications 1.0.8 = tf.keras 2.x), with
/// <c>include_top=False, pooling=None</c>: every layer, name, argument and call order of <c>NASNet</c>,
/// <c>_reduction_a_cell</c>, <c>_normal_a_cell</c>, <c>_adjust_block</c> and <c>_separable_conv_block</c>, so that
/// <see cref="KerasModel.Layers"/> equals Keras's <c>model.layers</c> (1039 for NASNetLarge, 769 for NASNetMobile,
/// InputLayer and the final ReLU included). The global average pooling of <c>pooling='avg'</c> is not a layer here: in
/// Graft it belongs to the head, and the ONNX writer adds it after the output.
/// </summary>
public static class NasNetArchitecture
{
    /// <summary>Builds the Keras layer graph of <paramref name="config"/> (no weights).</summary>
    public static KerasModel Build(NasNetConfig config)
    {
        config.Validate();
        var g = new KerasGraphBuilder();
        var m = config.FilterMultiplier;
        var filters = config.PenultimateFilters / 24;

        var input = g.Input(new FeatureMapShape(3, config.ImageSize, config.ImageSize));
        var x = g.Conv2D(input, config.StemBlockFilters, 3, 2, KerasPadding.Valid, "stem_conv1");
        x = g.BatchNormalization(x, "stem_bn1");

        KerasLayer? p = null;
        (x, p) = ReductionCell(g, x, p, filters / (m * m), "stem_1");
        (x, p) = ReductionCell(g, x, p, filters / m, "stem_2");

        var n = config.NumBlocks;
        for (var i = 0; i < n; i++) (x, p) = NormalCell(g, x, p, filters, $"{i}");

        (x, var p0) = ReductionCell(g, x, p, filters * m, $"reduce_{n}");
        p = config.SkipReduction ? p : p0;
        for (var i = 0; i < n; i++) (x, p) = NormalCell(g, x, p, filters * m, $"{n + i + 1}");

        (x, p0) = ReductionCell(g, x, p, filters * m * m, $"reduce_{2 * n}");
        p = config.SkipReduction ? p : p0;
        for (var i = 0; i < n; i++) (x, p) = NormalCell(g, x, p, filters * m * m, $"{2 * n + i + 1}");

        x = g.Relu(x);
        return g.Build("NASNet", x);
    }

    /// <summary><c>_separable_conv_block</c>: 2 × [ReLU, SeparableConv2D, BatchNorm]; stride 2 pads with
    /// <c>correct_pad</c> and convolves "valid".</summary>
    private static KerasLayer SeparableConvBlock(KerasGraphBuilder g, KerasLayer ip, int filters, int kernel, int stride, string blockId)
    {
        var x = g.Relu(ip);
        KerasPadding convPad;
        if (stride == 2)
        {
            x = g.ZeroPadding2D(x, TfPadding.CorrectPad(x.OutputShape, kernel), $"separable_conv_1_pad_{blockId}");
            convPad = KerasPadding.Valid;
        }
        else
        {
            convPad = KerasPadding.Same;
        }
        x = g.SeparableConv2D(x, filters, kernel, stride, convPad, $"separable_conv_1_{blockId}");
        x = g.BatchNormalization(x, $"separable_conv_1_bn_{blockId}");
        x = g.Relu(x);
        x = g.SeparableConv2D(x, filters, kernel, 1, KerasPadding.Same, $"separable_conv_2_{blockId}");
        return g.BatchNormalization(x, $"separable_conv_2_bn_{blockId}");
    }

    /// <summary><c>_adjust_block</c>: brings the previous path <paramref name="p"/> to the spatial size and channel
    /// count of <paramref name="ip"/>.</summary>
    private static KerasLayer AdjustBlock(KerasGraphBuilder g, KerasLayer? p, KerasLayer ip, int filters, string blockId)
    {
        if (p is null) return ip;
        // Keras compares p_shape[img_dim] with img_dim = -2 on (N, H, W, C): the width.
        if (p.OutputShape.Width != ip.OutputShape.Width)
        {
            p = g.Relu(p, $"adjust_relu_1_{blockId}");
            var p1 = g.AveragePooling2D(p, 1, 2, KerasPadding.Valid, $"adjust_avg_pool_1_{blockId}");
            p1 = g.Conv2D(p1, filters / 2, 1, 1, KerasPadding.Same, $"adjust_conv_1_{blockId}");

            // Shift by one pixel: pad bottom/right, crop top/left, so the second path samples the odd pixels.
            var p2 = g.ZeroPadding2D(p, new Margins(0, 1, 0, 1));
            p2 = g.Cropping2D(p2, new Margins(1, 0, 1, 0));
            p2 = g.AveragePooling2D(p2, 1, 2, KerasPadding.Valid, $"adjust_avg_pool_2_{blockId}");
            p2 = g.Conv2D(p2, filters / 2, 1, 1, KerasPadding.Same, $"adjust_conv_2_{blockId}");

            p = g.Concatenate([p1, p2]);
            return g.BatchNormalization(p, $"adjust_bn_{blockId}");
        }
        if (p.OutputShape.Channels != filters)
        {
            p = g.Relu(p);
            p = g.Conv2D(p, filters, 1, 1, KerasPadding.Same, $"adjust_conv_projection_{blockId}");
            return g.BatchNormalization(p, $"adjust_bn_{blockId}");
        }
        return p;
    }

    /// <summary><c>_normal_a_cell</c>; returns (cell output, cell input) as Keras's <c>(x, ip)</c>.</summary>
    private static (KerasLayer X, KerasLayer Ip) NormalCell(KerasGraphBuilder g, KerasLayer ip, KerasLayer? prev, int filters, string id)
    {
        var p = AdjustBlock(g, prev, ip, filters, id);

        var h = g.Relu(ip);
        h = g.Conv2D(h, filters, 1, 1, KerasPadding.Same, $"normal_conv_1_{id}");
        h = g.BatchNormalization(h, $"normal_bn_1_{id}");

        var x11 = SeparableConvBlock(g, h, filters, 5, 1, $"normal_left1_{id}");
        var x12 = SeparableConvBlock(g, p, filters, 3, 1, $"normal_right1_{id}");
        var x1 = g.Add([x11, x12], $"normal_add_1_{id}");

        var x21 = SeparableConvBlock(g, p, filters, 5, 1, $"normal_left2_{id}");
        var x22 = SeparableConvBlock(g, p, filters, 3, 1, $"normal_right2_{id}");
        var x2 = g.Add([x21, x22], $"normal_add_2_{id}");

        var x3 = g.AveragePooling2D(h, 3, 1, KerasPadding.Same, $"normal_left3_{id}");
        x3 = g.Add([x3, p], $"normal_add_3_{id}");

        var x41 = g.AveragePooling2D(p, 3, 1, KerasPadding.Same, $"normal_left4_{id}");
        var x42 = g.AveragePooling2D(p, 3, 1, KerasPadding.Same, $"normal_right4_{id}");
        var x4 = g.Add([x41, x42], $"normal_add_4_{id}");

        var x5 = SeparableConvBlock(g, h, filters, 3, 1, $"normal_left5_{id}");
        x5 = g.Add([x5, h], $"normal_add_5_{id}");

        var x = g.Concatenate([p, x1, x2, x3, x4, x5], $"normal_concat_{id}");
        return (x, ip);
    }

    /// <summary><c>_reduction_a_cell</c>; halves the spatial size; returns (cell output, cell input).</summary>
    private static (KerasLayer X, KerasLayer Ip) ReductionCell(KerasGraphBuilder g, KerasLayer ip, KerasLayer? prev, int filters, string id)
    {
        var p = AdjustBlock(g, prev, ip, filters, id);

        var h = g.Relu(ip);
        h = g.Conv2D(h, filters, 1, 1, KerasPadding.Same, $"reduction_conv_1_{id}");
        h = g.BatchNormalization(h, $"reduction_bn_1_{id}");
        var h3 = g.ZeroPadding2D(h, TfPadding.CorrectPad(h.OutputShape, 3), $"reduction_pad_1_{id}");

        var x11 = SeparableConvBlock(g, h, filters, 5, 2, $"reduction_left1_{id}");
        var x12 = SeparableConvBlock(g, p, filters, 7, 2, $"reduction_right1_{id}");
        var x1 = g.Add([x11, x12], $"reduction_add_1_{id}");

        var x21 = g.MaxPooling2D(h3, 3, 2, KerasPadding.Valid, $"reduction_left2_{id}");
        var x22 = SeparableConvBlock(g, p, filters, 7, 2, $"reduction_right2_{id}");
        var x2 = g.Add([x21, x22], $"reduction_add_2_{id}");

        var x31 = g.AveragePooling2D(h3, 3, 2, KerasPadding.Valid, $"reduction_left3_{id}");
        var x32 = SeparableConvBlock(g, p, filters, 5, 2, $"reduction_right3_{id}");
        var x3 = g.Add([x31, x32], $"reduction_add3_{id}");

        var x4 = g.AveragePooling2D(x1, 3, 1, KerasPadding.Same, $"reduction_left4_{id}");
        x4 = g.Add([x2, x4]);

        var x51 = SeparableConvBlock(g, x1, filters, 3, 1, $"reduction_left4_{id}");
        var x52 = g.MaxPooling2D(h3, 3, 2, KerasPadding.Valid, $"reduction_right5_{id}");
        var x5 = g.Add([x51, x52], $"reduction_add4_{id}");

        var x = g.Concatenate([x2, x3, x4, x5], $"reduction_concat_{id}");
        return (x, ip);
    }
}
