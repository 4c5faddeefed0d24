using Graft.ModelImport.Keras;
using Graft.ModelImport.NasNet;

namespace Graft.ModelImport.Tests;

/// <summary>
/// The Keras layer list of NASNetLarge / NASNetMobile: count, parameters, names and order as keras.applications.nasnet
/// (Keras Applications 1.0.8 = tf.keras 2.x) builds them in a fresh session.
///
/// How the expected names were derived (no TensorFlow here to print model.summary()): by reading nasnet.py and applying
/// Keras's functional ordering by hand. model.layers sorts layers by their longest distance to the output, deepest
/// first, ties in the order a depth-first walk from the output (inputs in call order) first reaches them.
/// - Head of the list: input_1 → stem_conv1 → stem_bn1 is the only chain out of the input. The longest path from
///   stem_bn1 runs through stem_1's h path: `activation` (relu of ip, the first unnamed Activation built, hence no
///   suffix) → reduction_conv_1_stem_1 → reduction_bn_1_stem_1. Then the relus opening the left1 block (on h: the
///   second Activation built, activation_1) and the right1 block (on p = stem_bn1: activation_3, built after left1's
///   two) are equally far from the output; the walk meets left1 first (layers.add([x1_1, x1_2])), so activation_1
///   precedes activation_3, and likewise for the paddings and separable convolutions of the two blocks. This agrees
///   with the published tf.keras NASNetLarge summary.
/// - Tail: the final relu (depth 0) is the 260th Activation built: activation_259. normal_concat_18 (depth 1); its
///   adds (depth 2, in concatenate order 1..5); then the eight tensors the adds consume at depth 3 in walk order:
///   the four separable_conv_2_bn of blocks left1, right1, left2, right2, the average poolings left3, left4, right4, and
///   separable_conv_2_bn_normal_left5_18.
/// - Counts: stem 3, stem_1 48, stem_2 48 + 9 (adjust by pooling), a normal cell 42 + adjust (9 when the spatial size
///   changes, else 3 for the projection), a reduction cell 48 + 3, the final relu: 1039 for (6 @ 4032), 769 for
///   (4 @ 1056). The parameter totals are Keras's published count_params() of the no-top models.
/// </summary>
public sealed class NasNetArchitectureTests
{
    private static readonly KerasModel Large = NasNetArchitecture.Build(NasNetConfig.Large);
    private static readonly KerasModel Mobile = NasNetArchitecture.Build(NasNetConfig.Mobile);

    private static readonly string[] FirstTwelve =
    [
        "input_1", "stem_conv1", "stem_bn1", "activation", "reduction_conv_1_stem_1", "reduction_bn_1_stem_1",
        "activation_1", "activation_3", "separable_conv_1_pad_reduction_left1_stem_1",
        "separable_conv_1_pad_reduction_right1_stem_1", "separable_conv_1_reduction_left1_stem_1",
        "separable_conv_1_reduction_right1_stem_1",
    ];

    [Fact]
    public void Large_HasKerasLayerAndParameterCounts()
    {
        Assert.Equal(1039, Large.Layers.Count);
        Assert.Equal(84_916_818, Large.ParameterCount);
        Assert.Equal(new FeatureMapShape(4032, 11, 11), Large.Output.OutputShape);
    }

    [Fact]
    public void Mobile_HasKerasLayerAndParameterCounts()
    {
        Assert.Equal(769, Mobile.Layers.Count);
        Assert.Equal(4_269_716, Mobile.ParameterCount);
        Assert.Equal(new FeatureMapShape(1056, 7, 7), Mobile.Output.OutputShape);
    }

    [Fact]
    public void Large_FirstLayers_AreKerasOrder()
    {
        Assert.Equal(FirstTwelve, Large.Layers.Take(12).Select(l => l.Name));
        Assert.Equal(["InputLayer", "Conv2D", "BatchNormalization", "Activation"], Large.Layers.Take(4).Select(l => l.ClassName));
    }

    [Fact]
    public void Large_LastLayers_AreKerasOrder()
    {
        string[] expected =
        [
            "separable_conv_2_bn_normal_left1_18", "separable_conv_2_bn_normal_right1_18",
            "separable_conv_2_bn_normal_left2_18", "separable_conv_2_bn_normal_right2_18",
            "normal_left3_18", "normal_left4_18", "normal_right4_18", "separable_conv_2_bn_normal_left5_18",
            "normal_add_1_18", "normal_add_2_18", "normal_add_3_18", "normal_add_4_18", "normal_add_5_18",
            "normal_concat_18", "activation_259",
        ];
        Assert.Equal(expected, Large.Layers.TakeLast(15).Select(l => l.Name));
    }

    /// <summary>The seed's fine-tuning cut: the bottom 700 frozen, the top 339 trainable, in the middle of cell 12 at
    /// the same depth rank (the eight depth-3 tensors of cell 12, then its adds).</summary>
    [Fact]
    public void Large_FineTuneBoundary_FallsInsideNormalCell12()
    {
        string[] around700 =
        [
            "separable_conv_2_bn_normal_left1_12", "separable_conv_2_bn_normal_right1_12",
            "separable_conv_2_bn_normal_left2_12", "separable_conv_2_bn_normal_right2_12",
            "normal_left3_12", "normal_left4_12", "normal_right4_12", "separable_conv_2_bn_normal_left5_12",
            "normal_add_1_12",
        ];
        Assert.Equal(around700, Large.Layers.Skip(697).Take(9).Select(l => l.Name));
        Assert.Equal("separable_conv_2_bn_normal_right2_12", Large.Layers[1039 - 339].Name);
    }

    [Fact]
    public void Mobile_FirstAndLastLayers_AreKerasOrder()
    {
        Assert.Equal(FirstTwelve, Mobile.Layers.Take(12).Select(l => l.Name));
        Assert.Equal(["normal_add_5_12", "normal_concat_12", "activation_187"], Mobile.Layers.TakeLast(3).Select(l => l.Name));
    }

    [Fact]
    public void Large_AutoNamedLayers_AreCountedInCreationOrder()
    {
        // 260 Activations built without a name, plus adjust_relu_1_* named ones; the counters never skip.
        var auto = Large.Layers.Where(l => l.Kind == KerasLayerKind.Activation && l.Name.StartsWith("activation")).ToList();
        Assert.Equal(260, auto.Count);
        Assert.Equal(Enumerable.Range(0, 260).Select(i => i == 0 ? "activation" : $"activation_{i}"),
            auto.OrderBy(l => l.CreationIndex).Select(l => l.Name));
        // The reduction cells' unnamed add and the adjust blocks' unnamed layers, one per reduction / pooled adjust.
        Assert.Equal(["add", "add_1", "add_2", "add_3"], Large.Layers.Where(l => l.Name.StartsWith("add")).OrderBy(l => l.CreationIndex).Select(l => l.Name));
        Assert.Equal(4, Large.Layers.Count(l => l.Kind == KerasLayerKind.Cropping2D)); // stem_2, cells 0, 7 and 13
        Assert.Contains(Large.Layers, l => l.Name == "cropping2d_3");
    }

    [Fact]
    public void Large_MultiplyAdds_MatchKerasPublishedFigure()
    {
        // Keras's table: NASNet-A (6 @ 4032) 23.8 B multiply-adds; (4 @ 1056) 564 M.
        Assert.InRange(Large.MultiplyAdds / 1e9, 23.7, 23.95);
        Assert.InRange(Mobile.MultiplyAdds / 1e6, 560, 575);
    }

    [Fact]
    public void Names_AreUniqueAndContainNoSlash()
    {
        Assert.Equal(Large.Layers.Count, Large.Layers.Select(l => l.Name).Distinct().Count());
        Assert.DoesNotContain(Large.Layers, l => l.Name.Contains('/'));
    }

    [Fact]
    public void Layers_ComeAfterTheirInputs()
    {
        var position = Large.Layers.Select((l, i) => (l, i)).ToDictionary(p => p.l, p => p.i);
        Assert.All(Large.Layers, l => Assert.All(l.Inputs, i => Assert.True(position[i] < position[l])));
    }

    [Fact]
    public void Validate_PenultimateNotMultipleOf96_ThrowsGraftException()
    {
        var e = Assert.Throws<GraftException>(() => NasNetArchitecture.Build(NasNetConfig.Large with { PenultimateFilters = 4000 }));
        Assert.Contains("multiple of", e.Message);
    }
}
