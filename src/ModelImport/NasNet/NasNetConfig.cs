namespace Graft.ModelImport.NasNet;

/// <summary>
/// Arguments of keras.applications.nasnet.NASNet. NASNet-A (N @ P) has N = <see cref="NumBlocks"/> normal cells per
/// stack and P = <see cref="PenultimateFilters"/> channels in the last cell's output: six branches of
/// P/24·FilterMultiplier² channels, i.e. P itself when FilterMultiplier is 2 (Large 4032, Mobile 1056).
/// </summary>
public sealed record NasNetConfig
{
    /// <summary>NASNet-A (6 @ 4032), 331×331: <c>NASNetLarge</c>, 84,916,818 parameters without top, 1039 layers.</summary>
    public static NasNetConfig Large { get; } = new()
    {
        Name = "nasnet_large", PenultimateFilters = 4032, NumBlocks = 6, StemBlockFilters = 96, SkipReduction = true,
        FilterMultiplier = 2, ImageSize = 331,
    };

    /// <summary>NASNet-A (4 @ 1056), 224×224: <c>NASNetMobile</c>, 4,269,716 parameters without top, 769 layers.</summary>
    public static NasNetConfig Mobile { get; } = new()
    {
        Name = "nasnet_mobile", PenultimateFilters = 1056, NumBlocks = 4, StemBlockFilters = 32, SkipReduction = false,
        FilterMultiplier = 2, ImageSize = 224,
    };

    /// <summary>Short name of the architecture ("nasnet_large"), the default backbone name.</summary>
    public required string Name { get; init; }

    /// <summary>Channels of the last cell's output; a multiple of 24·FilterMultiplier².</summary>
    public required int PenultimateFilters { get; init; }

    /// <summary>Normal cells between two reduction cells.</summary>
    public required int NumBlocks { get; init; }

    /// <summary>Output channels of the stem convolution <c>stem_conv1</c>.</summary>
    public required int StemBlockFilters { get; init; }

    /// <summary>Which "previous" input the first normal cell after a reduction cell gets (Keras:
    /// <c>p = p0 if not skip_reduction else p</c>): true — the reduction cell's own previous input, i.e. the output of
    /// the cell two before the reduction (Large); false — the reduction cell's input (Mobile).</summary>
    public required bool SkipReduction { get; init; }

    /// <summary>Channel growth per reduction (2 in both published models).</summary>
    public required int FilterMultiplier { get; init; }

    /// <summary>Square input size in pixels (Keras default_size).</summary>
    public required int ImageSize { get; init; }

    /// <summary>Keras's argument checks, as <see cref="GraftException"/>s.</summary>
    public void Validate()
    {
        if (FilterMultiplier < 1) throw new GraftException($"NASNet filter_multiplier {FilterMultiplier} must be at least 1.");
        var unit = 24 * FilterMultiplier * FilterMultiplier;
        if (PenultimateFilters <= 0 || PenultimateFilters % unit != 0)
            throw new GraftException($"For NASNet-A models the penultimate_filters must be a multiple of 24 * filter_multiplier^2 = {unit}; got {PenultimateFilters}.");
        if (NumBlocks < 1) throw new GraftException($"NASNet num_blocks {NumBlocks} must be at least 1.");
        if (StemBlockFilters < 1) throw new GraftException($"NASNet stem_block_filters {StemBlockFilters} must be at least 1.");
        if (ImageSize < 32) throw new GraftException($"NASNet input size {ImageSize} is below Keras's minimum of 32 pixels.");
    }
}
