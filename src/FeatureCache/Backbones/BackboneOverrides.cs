using Graft.FeatureCache.Preprocessing;

namespace Graft.FeatureCache.Backbones;

/// <summary>
/// Command-line corrections applied on top of a descriptor, or the whole description of a bare .onnx file
/// (values resolve as flag → descriptor → what the ONNX file says → default, as in timm's data config).
/// Changing any of them changes the feature key, so features never mix.
/// </summary>
public sealed record BackboneOverrides
{
    public string? InputName { get; init; }
    public string? OutputName { get; init; }
    public int? Dimension { get; init; }
    public int? ImageSize { get; init; }
    /// <summary>"torch", "tf" or "caffe" (see <see cref="PreprocessPreset"/>).</summary>
    public string? Preset { get; init; }
    public float[]? Mean { get; init; }
    public float[]? Std { get; init; }
    public float? Scale { get; init; }
    public ChannelOrder? ChannelOrder { get; init; }
    public ResizeMode? Resize { get; init; }
    public double? CropFraction { get; init; }
    public Interpolation? Interpolation { get; init; }

    public bool IsEmpty => this == new BackboneOverrides();

    /// <summary>Applies the set values to <paramref name="d"/>.</summary>
    public BackboneDescriptor ApplyTo(BackboneDescriptor d)
    {
        var p = d.Preprocess;
        if (Preset is not null) p = PreprocessPreset.Apply(Preset, p);
        p = p with
        {
            Width = ImageSize ?? p.Width,
            Height = ImageSize ?? p.Height,
            Mean = Mean ?? p.Mean,
            Std = Std ?? p.Std,
            Scale = Scale ?? p.Scale,
            ChannelOrder = ChannelOrder ?? p.ChannelOrder,
            Resize = Resize ?? p.Resize,
            CropFraction = CropFraction ?? p.CropFraction,
            Interpolation = Interpolation ?? p.Interpolation,
        };
        var result = d with
        {
            Input = d.Input with { Name = InputName ?? d.Input.Name },
            Output = d.Output with { Name = OutputName ?? d.Output.Name, Dimension = Dimension ?? d.Output.Dimension },
            Preprocess = p,
        };
        result.Validate();
        return result;
    }
}
