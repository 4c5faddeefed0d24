namespace Graft.ModelImport.Keras;

/// <summary>
/// Records a Keras functional graph the way Keras source code builds it: one call per layer, in source order, with
/// Keras's shape rules. Layers the source leaves unnamed get the names a fresh Keras (tf.keras 2.x) session gives them:
/// a per-class counter in creation order, zero-based without suffix (<c>activation</c>, <c>activation_1</c>, …) and
/// <c>input_1</c> for the input. Real weight files saved in a session that had built other models first carry other
/// counters; weighted NASNet layers are all named explicitly, so that only affects layer names, never weights.
/// </summary>
public sealed class KerasGraphBuilder
{
    /// <summary>Keras BatchNormalization epsilon used by keras.applications.nasnet.</summary>
    public const float NasNetBatchNormEpsilon = 1e-3f;

    /// <summary>Keras BatchNormalization momentum used by keras.applications.nasnet (moving = m·moving + (1−m)·batch,
    /// the ONNX convention too), so trainable BatchNorm layers update as slowly in fine-tuning as in Keras.</summary>
    public const float NasNetBatchNormMomentum = 0.9997f;

    private readonly List<KerasLayer> _created = [];
    private readonly Dictionary<string, int> _counters = [];
    private readonly HashSet<string> _names = [];

    /// <summary>Layers in creation order.</summary>
    public IReadOnlyList<KerasLayer> Created => _created;

    /// <summary><c>layers.Input(shape=(H, W, C))</c>, named like Keras's <c>input_1</c>.</summary>
    public KerasLayer Input(FeatureMapShape shape)
    {
        var uid = _counters.GetValueOrDefault("input") + 1; // backend.get_uid('input') starts at 1
        _counters["input"] = uid;
        return Record(new KerasLayer(Unique($"input_{uid}"), KerasLayerKind.InputLayer, [], shape, _created.Count));
    }

    /// <summary><c>layers.Conv2D(filters, (k, k), strides=(s, s), padding, use_bias=False)</c>.</summary>
    public KerasLayer Conv2D(KerasLayer x, int filters, int kernel, int stride, KerasPadding padding, string? name = null)
    {
        var s = x.OutputShape;
        var shape = new FeatureMapShape(filters, TfPadding.OutputSize(s.Height, kernel, stride, padding), TfPadding.OutputSize(s.Width, kernel, stride, padding));
        return Record(new KerasLayer(Name(name, "conv2d"), KerasLayerKind.Conv2D, [x], Checked(shape, x), _created.Count)
        {
            Filters = filters, KernelSize = kernel, Stride = stride, Padding = padding,
            Weights = [new("kernel", [kernel, kernel, s.Channels, filters])],
        });
    }

    /// <summary><c>layers.SeparableConv2D(filters, (k, k), strides, padding, use_bias=False)</c>, depth multiplier 1.</summary>
    public KerasLayer SeparableConv2D(KerasLayer x, int filters, int kernel, int stride, KerasPadding padding, string? name = null)
    {
        var s = x.OutputShape;
        var shape = new FeatureMapShape(filters, TfPadding.OutputSize(s.Height, kernel, stride, padding), TfPadding.OutputSize(s.Width, kernel, stride, padding));
        return Record(new KerasLayer(Name(name, "separable_conv2d"), KerasLayerKind.SeparableConv2D, [x], Checked(shape, x), _created.Count)
        {
            Filters = filters, KernelSize = kernel, Stride = stride, Padding = padding,
            Weights = [new("depthwise_kernel", [kernel, kernel, s.Channels, 1]), new("pointwise_kernel", [1, 1, s.Channels, filters])],
        });
    }

    /// <summary><c>layers.BatchNormalization(axis=-1, epsilon)</c>: gamma, beta, moving_mean, moving_variance.</summary>
    public KerasLayer BatchNormalization(KerasLayer x, string? name = null, float epsilon = NasNetBatchNormEpsilon, float momentum = NasNetBatchNormMomentum)
    {
        var c = x.OutputShape.Channels;
        return Record(new KerasLayer(Name(name, "batch_normalization"), KerasLayerKind.BatchNormalization, [x], x.OutputShape, _created.Count)
        {
            Epsilon = epsilon,
            Momentum = momentum,
            Weights = [new("gamma", [c]), new("beta", [c]), new("moving_mean", [c]), new("moving_variance", [c])],
        });
    }

    /// <summary><c>layers.Activation('relu')</c>.</summary>
    public KerasLayer Relu(KerasLayer x, string? name = null) =>
        Record(new KerasLayer(Name(name, "activation"), KerasLayerKind.Activation, [x], x.OutputShape, _created.Count));

    /// <summary><c>layers.ZeroPadding2D(padding=((t, b), (l, r)))</c>.</summary>
    public KerasLayer ZeroPadding2D(KerasLayer x, Margins margins, string? name = null)
    {
        var s = x.OutputShape;
        var shape = s with { Height = s.Height + margins.Top + margins.Bottom, Width = s.Width + margins.Left + margins.Right };
        return Record(new KerasLayer(Name(name, "zero_padding2d"), KerasLayerKind.ZeroPadding2D, [x], shape, _created.Count) { Margins = margins });
    }

    /// <summary><c>layers.Cropping2D(cropping=((t, b), (l, r)))</c>.</summary>
    public KerasLayer Cropping2D(KerasLayer x, Margins margins, string? name = null)
    {
        var s = x.OutputShape;
        var shape = s with { Height = s.Height - margins.Top - margins.Bottom, Width = s.Width - margins.Left - margins.Right };
        return Record(new KerasLayer(Name(name, "cropping2d"), KerasLayerKind.Cropping2D, [x], Checked(shape, x), _created.Count) { Margins = margins });
    }

    /// <summary><c>layers.AveragePooling2D((k, k), strides, padding)</c>; "same" excludes the padding from the divisor,
    /// as TensorFlow does.</summary>
    public KerasLayer AveragePooling2D(KerasLayer x, int pool, int stride, KerasPadding padding, string? name = null) =>
        Pool(KerasLayerKind.AveragePooling2D, "average_pooling2d", x, pool, stride, padding, name);

    /// <summary><c>layers.MaxPooling2D((k, k), strides, padding)</c>.</summary>
    public KerasLayer MaxPooling2D(KerasLayer x, int pool, int stride, KerasPadding padding, string? name = null) =>
        Pool(KerasLayerKind.MaxPooling2D, "max_pooling2d", x, pool, stride, padding, name);

    /// <summary><c>layers.add([a, b, …])</c>: element-wise sum of equal shapes.</summary>
    public KerasLayer Add(IReadOnlyList<KerasLayer> xs, string? name = null)
    {
        if (xs.Count < 2 || xs.Any(x => x.OutputShape != xs[0].OutputShape))
            throw new InvalidOperationException($"add needs two or more equal shapes: {string.Join(", ", xs)}");
        return Record(new KerasLayer(Name(name, "add"), KerasLayerKind.Add, xs, xs[0].OutputShape, _created.Count));
    }

    /// <summary><c>layers.concatenate([a, b, …], axis=-1)</c>: channels joined in list order.</summary>
    public KerasLayer Concatenate(IReadOnlyList<KerasLayer> xs, string? name = null)
    {
        var first = xs[0].OutputShape;
        if (xs.Any(x => x.OutputShape.Height != first.Height || x.OutputShape.Width != first.Width))
            throw new InvalidOperationException($"concatenate needs equal spatial sizes: {string.Join(", ", xs)}");
        return Record(new KerasLayer(Name(name, "concatenate"), KerasLayerKind.Concatenate, xs,
            first with { Channels = xs.Sum(x => x.OutputShape.Channels) }, _created.Count));
    }

    /// <summary><c>models.Model(inputs, output)</c>: the reachable layers in Keras's <c>model.layers</c> order.</summary>
    public KerasModel Build(string name, KerasLayer output) => new(name, KerasLayerOrder.Order(output, _created), output);

    private KerasLayer Pool(KerasLayerKind kind, string prefix, KerasLayer x, int pool, int stride, KerasPadding padding, string? name)
    {
        var s = x.OutputShape;
        var shape = s with { Height = TfPadding.OutputSize(s.Height, pool, stride, padding), Width = TfPadding.OutputSize(s.Width, pool, stride, padding) };
        return Record(new KerasLayer(Name(name, prefix), kind, [x], Checked(shape, x), _created.Count) { KernelSize = pool, Stride = stride, Padding = padding });
    }

    private KerasLayer Record(KerasLayer layer)
    {
        _created.Add(layer);
        return layer;
    }

    private string Name(string? given, string prefix)
    {
        if (given is not null) return Unique(given);
        // backend.unique_object_name(prefix, zero_based=True): "prefix", "prefix_1", "prefix_2", …
        var n = _counters.GetValueOrDefault(prefix);
        _counters[prefix] = n + 1;
        return Unique(n == 0 ? prefix : $"{prefix}_{n}");
    }

    private string Unique(string name) =>
        _names.Add(name) ? name : throw new InvalidOperationException($"The layer name '{name}' is used twice.");

    private static FeatureMapShape Checked(FeatureMapShape shape, KerasLayer input) =>
        shape.Height >= 1 && shape.Width >= 1 ? shape
        : throw new GraftException($"The input is too small: after '{input.Name}' {input.OutputShape} the next layer would have no pixels left.",
            "Use a larger input size (NASNet needs at least 32×32).");
}
