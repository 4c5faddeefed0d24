namespace Graft.FeatureCache.Datasets.Inspection;

/// <summary>What <see cref="SampleGrid.Render"/> wrote.</summary>
public sealed record SampleGridResult
{
    /// <summary>Full path of the PNG written.</summary>
    public required string Path { get; init; }

    /// <summary>PNG size in pixels: Columns × <see cref="SampleGrid.CellWidth"/> by Rows × <see cref="SampleGrid.CellHeight"/>.</summary>
    public required int Width { get; init; }

    public required int Height { get; init; }

    /// <summary>Ids of the drawn items in tile order (row by row); shorter than Rows × Columns for a small dataset.</summary>
    public required IReadOnlyList<string> TileIds { get; init; }

    /// <summary>Sampled items that could not be decoded; their tiles show the reason instead of the image.</summary>
    public required IReadOnlyList<UnreadableImage> Unreadable { get; init; }

    /// <summary>True when class names were drawn above the tiles; false when no usable font was found.</summary>
    public required bool TitlesRendered { get; init; }

    /// <summary>Which font drew the titles, e.g. "DejaVu Sans (/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf)";
    /// null without titles.</summary>
    public required string? Font { get; init; }

    /// <summary>Things the caller may want to show (e.g. "no usable font, grid drawn without titles").</summary>
    public required IReadOnlyList<string> Warnings { get; init; }
}
