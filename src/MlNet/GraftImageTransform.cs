using System.Collections.Concurrent;
using System.Globalization;
using Graft.FeatureCache.Datasets;
using Graft.FeatureCache.Decoding;
using Graft.FeatureCache.Preprocessing;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;
using Microsoft.ML.Transforms.Image;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Graft.MlNet;

/// <summary>
/// The front of an exported ML.NET classifier: image path → Graft's decoder (EXIF orientation, any colour model to RGB)
/// → Graft's resize (<see cref="CenterCropPlan"/> or squash, antialiased ImageSharp resampler) → an ML.NET image of the
/// backbone's input size. The same code that made the training features, so the zip predicts what was evaluated.
/// </summary>
/// <remarks>
/// ML.NET saves a custom mapping by its contract name and assembly only, so the resize settings travel as a constant
/// text column (an Expression transform, which ML.NET does save) that the mapping reads per row. ML.NET's own
/// <c>ResizeImages</c> follows with the same size: it declares the image size that <c>ExtractPixels</c> needs, and at
/// equal size it copies pixels unchanged.
/// </remarks>
public static class GraftImageTransform
{
    /// <summary>Contract name under which ML.NET finds <see cref="DecodeAndResizeFactory"/> when loading a model.</summary>
    public const string ContractName = "Graft.DecodeAndResize.v1";

    /// <summary>The constant column holding the resize settings (<see cref="SettingsText"/>).</summary>
    public const string SettingsColumn = "graft_resize";

    /// <summary>
    /// Appends decode + resize to a pipeline whose input has <paramref name="imagePathColumn"/> (a file path); the
    /// output column <paramref name="outputColumn"/> is an ML.NET image of <paramref name="spec"/>'s size.
    /// </summary>
    public static IEstimator<ITransformer> Create(MLContext ml, PreprocessSpec spec, string imagePathColumn, string outputColumn)
    {
        ArgumentNullException.ThrowIfNull(ml);
        ArgumentNullException.ThrowIfNull(spec);
        if (imagePathColumn != DecodeAndResizeFactory.Input.PathColumn)
            throw new ArgumentException($"The image path column must be named {DecodeAndResizeFactory.Input.PathColumn}.", nameof(imagePathColumn));
        var settings = SettingsText(spec);
        return ml.Transforms.Expression(SettingsColumn, $"x => \"{settings}\"", imagePathColumn)
            .Append(ml.Transforms.CustomMapping(new DecodeAndResizeFactory().GetMapping(), ContractName))
            .Append(ml.Transforms.ResizeImages(outputColumn, spec.Width, spec.Height, DecodeAndResizeFactory.Output.ImageColumn,
                ImageResizingEstimator.ResizingKind.Fill));
    }

    /// <summary>The resize settings as one culture-invariant line: <c>WxH;mode;cropFraction;interpolation</c>.</summary>
    public static string SettingsText(PreprocessSpec spec) => string.Join(';',
        $"{spec.Width}x{spec.Height}", spec.Resize, spec.CropFraction.ToString("R", CultureInfo.InvariantCulture), spec.Interpolation);

    /// <summary>Parses <see cref="SettingsText"/> back into a spec that only resizes (no normalisation: the ONNX graph
    /// does that).</summary>
    public static PreprocessSpec ParseSettings(string text)
    {
        var parts = text.Split(';');
        var size = parts.Length == 4 ? parts[0].Split('x') : [];
        if (size.Length != 2
            || !int.TryParse(size[0], NumberStyles.None, CultureInfo.InvariantCulture, out var width)
            || !int.TryParse(size[1], NumberStyles.None, CultureInfo.InvariantCulture, out var height)
            || !Enum.TryParse<FeatureCache.Preprocessing.ResizeMode>(parts[1], out var mode)
            || !double.TryParse(parts[2], NumberStyles.Float, CultureInfo.InvariantCulture, out var crop)
            || !Enum.TryParse<Interpolation>(parts[3], out var interpolation))
            throw new FormatException($"'{text}' is not a Graft resize setting (WxH;mode;cropFraction;interpolation).");
        return new PreprocessSpec { Width = width, Height = height, Resize = mode, CropFraction = crop, Interpolation = interpolation };
    }
}

/// <summary>
/// The custom mapping ML.NET instantiates by <see cref="GraftImageTransform.ContractName"/> when it loads an exported
/// model (ML.NET records this assembly's name in the zip and loads it, so a consumer app only has to reference the
/// package). Undecodable images throw <see cref="InvalidOperationException"/> with Graft's reason.
/// </summary>
[CustomMappingFactoryAttribute(GraftImageTransform.ContractName)]
public sealed class DecodeAndResizeFactory : CustomMappingFactory<DecodeAndResizeFactory.Input, DecodeAndResizeFactory.Output>
{
    // One decoder (it owns a memory pool) and one preprocessor per setting for the whole process.
    private static readonly ImageDecoder Decoder = new();
    private static readonly ConcurrentDictionary<string, Preprocessor> Preprocessors = new(StringComparer.Ordinal);

    public sealed class Input
    {
        public const string PathColumn = "ImagePath";

        public string ImagePath { get; set; } = "";

        [ColumnName(GraftImageTransform.SettingsColumn)]
        public string Settings { get; set; } = "";
    }

    public sealed class Output
    {
        public const string ImageColumn = "graft_decoded";

        [ColumnName(ImageColumn)]
        [AnySizeImage]
        public MLImage? Image { get; set; }
    }

    public override Action<Input, Output> GetMapping() => Map;

    private static void Map(Input input, Output output)
    {
        var preprocessor = Preprocessors.GetOrAdd(input.Settings, s => new Preprocessor(GraftImageTransform.ParseSettings(s)));
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(input.ImagePath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new InvalidOperationException($"{input.ImagePath}: {RejectReason.Unreadable}: {e.Message}", e);
        }
        Image<Rgb24> image;
        try
        {
            image = Decoder.Decode(ImageData.Encoded(bytes));
        }
        catch (ImageRejectedException e)
        {
            throw new InvalidOperationException($"{input.ImagePath}: {e.Reason}: {e.Message}", e);
        }
        using (image)
        {
            preprocessor.Resize(image);
            var rgb = new Rgb24[image.Width * image.Height];
            image.CopyPixelDataTo(rgb);
            var rgba = new byte[rgb.Length * 4];
            for (var i = 0; i < rgb.Length; i++)
            {
                rgba[4 * i] = rgb[i].R;
                rgba[4 * i + 1] = rgb[i].G;
                rgba[4 * i + 2] = rgb[i].B;
                rgba[4 * i + 3] = 255;
            }
            output.Image = MLImage.CreateFromPixels(image.Width, image.Height, MLPixelFormat.Rgba32, rgba);
        }
    }
}

/// <summary>
/// Marks an <see cref="MLImage"/> member as an image of any size. ML.NET's own <c>[ImageType(h, w)]</c> needs the size at
/// compile time, which a mapping shared by every backbone does not have; the <c>ResizeImages</c> after the mapping
/// declares the size.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class AnySizeImageAttribute : DataViewTypeAttribute
{
    private static readonly ImageDataViewType AnySize = new();

    public override void Register() => DataViewTypeManager.Register(AnySize, typeof(MLImage), this);

    public override bool Equals(DataViewTypeAttribute other) => other is AnySizeImageAttribute;

    public override int GetHashCode() => typeof(AnySizeImageAttribute).GetHashCode();
}
