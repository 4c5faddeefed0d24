using Graft.ModelImport.Keras;
using Graft.ModelImport.NasNet;

namespace Graft.ModelImport;

/// <summary>
/// An architecture <c>graft backbone import-keras --arch</c> can build: its Keras constructor, configuration, the
/// weight file Keras downloads for it and the defaults of the descriptor written beside the ONNX model.
/// </summary>
public sealed record KerasArchitecture
{
    /// <summary>NASNetLarge: 331×331 → 4032-d; weights <c>NASNet-large-no-top.h5</c>.</summary>
    public static KerasArchitecture NasNetLarge { get; } = new()
    {
        Id = "nasnet-large",
        KerasCall = "keras.applications.nasnet.NASNetLarge(include_top=False, pooling='avg')",
        NasNet = NasNetConfig.Large,
        WeightFileName = "NASNet-large-no-top.h5",
        DescriptorId = "nasnetalarge.keras_in1k",
        Summary = "NASNet-A Large (6 @ 4032) with Keras ImageNet weights, no top; 331x331 in, 4032-d globally pooled features out",
        ImageNetTop1 = 0.825,
    };

    /// <summary>NASNetMobile: 224×224 → 1056-d; weights <c>NASNet-mobile-no-top.h5</c>.</summary>
    public static KerasArchitecture NasNetMobile { get; } = new()
    {
        Id = "nasnet-mobile",
        KerasCall = "keras.applications.nasnet.NASNetMobile(include_top=False, pooling='avg')",
        NasNet = NasNetConfig.Mobile,
        WeightFileName = "NASNet-mobile-no-top.h5",
        DescriptorId = "nasnetamobile.keras_in1k",
        Summary = "NASNet-A Mobile (4 @ 1056) with Keras ImageNet weights, no top; 224x224 in, 1056-d globally pooled features out",
        ImageNetTop1 = 0.740,
    };

    public static IReadOnlyList<KerasArchitecture> All { get; } = [NasNetLarge, NasNetMobile];

    /// <summary>Command-line id ("nasnet-large").</summary>
    public required string Id { get; init; }

    /// <summary>The Keras call this architecture reproduces.</summary>
    public required string KerasCall { get; init; }

    public required NasNetConfig NasNet { get; init; }

    /// <summary>Name of Keras's no-top weight file for it (in <c>~/.keras/models/</c> once Keras downloaded it).</summary>
    public required string WeightFileName { get; init; }

    /// <summary>Descriptor id (timm style "architecture.weights").</summary>
    public required string DescriptorId { get; init; }

    public required string Summary { get; init; }

    /// <summary>ImageNet top-1 accuracy Keras reports for its weights.</summary>
    public required double ImageNetTop1 { get; init; }

    /// <summary>Width D of the pooled features: the last normal cell concatenates six branches of
    /// P/24·multiplier² channels.</summary>
    public int FeatureDimension => 6 * (NasNet.PenultimateFilters / 24) * NasNet.FilterMultiplier * NasNet.FilterMultiplier;

    /// <summary>Square input size in pixels.</summary>
    public int ImageSize => NasNet.ImageSize;

    /// <summary>Builds the Keras layer graph.</summary>
    public KerasModel BuildModel() => NasNetArchitecture.Build(NasNet);

    /// <summary>Finds an architecture by id ("nasnet-large", also "nasnet_large" or "NASNetLarge").</summary>
    public static KerasArchitecture Find(string id)
    {
        var key = Normalize(id);
        return All.FirstOrDefault(a => Normalize(a.Id) == key)
            ?? throw new GraftException($"Unknown architecture '{id}'.", $"Use one of: {string.Join(", ", All.Select(a => a.Id))}.");
    }

    private static string Normalize(string s) => new(s.Where(char.IsLetterOrDigit).Select(char.ToLowerInvariant).ToArray());
}
