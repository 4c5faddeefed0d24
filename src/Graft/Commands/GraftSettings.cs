using System.ComponentModel;
using System.Globalization;
using Graft.FeatureCache.Backbones;
using Graft.FeatureCache.Datasets;
using Graft.FeatureCache.Preprocessing;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Graft.Cli.Commands;

/// <summary>Options every command takes.</summary>
public class GraftSettings : CommandSettings
{
    [CommandOption("--verbose")]
    [Description("Show stack traces for internal errors.")]
    public bool Verbose { get; init; }
}

/// <summary>Options that pick a dataset.</summary>
/// <summary>Options of every command that works on a run folder: <c>--run</c>, required, with one wording.</summary>
public class RunSettings : GraftSettings
{
    [CommandOption("-r|--run <RUNDIR>")]
    [Description("Run folder written by graft train-head, or RUNDIR/finetune written by graft finetune.")]
    public string? Run { get; init; }

    public override ValidationResult Validate() =>
        string.IsNullOrWhiteSpace(Run) ? ValidationResult.Error("--run RUNDIR is required (a folder written by graft train-head or graft finetune).")
        : base.Validate();
}

public class DatasetSettings : GraftSettings
{
    [CommandOption("-d|--data <PATH>")]
    [Description("Dataset: a folder per class (optionally under train/validation/test), a CSV manifest path,label[[,split]], an IDX folder or a TFDS prepared folder.")]
    public string? Data { get; init; }

    [CommandOption("--format <FORMAT>")]
    [Description("auto (default), folder, csv, idx or tfds.")]
    [DefaultValue("auto")]
    public string Format { get; init; } = "auto";

    [CommandOption("--split-ratios <R>")]
    [Description("train,validation,test fractions for data without its own splits. Default 0.8,0.1,0.1.")]
    public string? SplitRatios { get; init; }

    [CommandOption("--seed <N>")]
    [Description("Seed of that split. Default 42; logged with the cache.")]
    [DefaultValue(42)]
    public int Seed { get; init; } = 42;

    [CommandOption("--max-file-megabytes <MB>")]
    [Description("Largest image file read; bigger ones are skipped as TooLarge, and no read goes past it. Default 256.")]
    [DefaultValue(256.0)]
    public double MaxFileMegabytes { get; init; } = 256;

    public ImageDataset LoadDataset()
    {
        if (string.IsNullOrWhiteSpace(Data)) throw new GraftException("No dataset given.", "Pass --data PATH.");
        if (!Enum.TryParse<DatasetFormat>(Format, ignoreCase: true, out var format))
            throw new GraftException($"Unknown dataset format '{Format}'.", "Use auto, folder, csv, idx or tfds.");
        return DatasetLoader.Load(ModelFileLocator.ExpandHome(Data), new DatasetOptions
        {
            Format = format,
            Seed = Seed,
            MaxFileMegabytes = MaxFileMegabytes,
            SplitRatios = SplitRatios is null ? FeatureCache.Datasets.SplitRatios.Default : FeatureCache.Datasets.SplitRatios.Parse(SplitRatios),
        });
    }
}

/// <summary>Options that pick a backbone and, for a bare .onnx file or a correction, describe it.</summary>
public class BackboneSettings : DatasetSettings
{
    [CommandOption("-b|--backbone <NAME|FILE>")]
    [Description("Backbone name (graft backbone list), a descriptor .json or an .onnx file. Default resnet18.")]
    public string? Backbone { get; init; }

    [CommandOption("--input-name <NAME>")]
    [Description("ONNX input to feed (default: the descriptor's, or the model's first input).")]
    public string? InputName { get; init; }

    [CommandOption("--output-name <NAME>")]
    [Description("ONNX output holding the features (default: the descriptor's, or the model's first output).")]
    public string? OutputName { get; init; }

    [CommandOption("--feature-dim <D>")]
    [Description("Feature width, when the model does not say.")]
    public int? FeatureDim { get; init; }

    [CommandOption("--image-size <PX>")]
    [Description("Square input size in pixels.")]
    public int? ImageSize { get; init; }

    [CommandOption("--preprocess <PRESET>")]
    [Description("Keras preprocess_input mode: torch (RGB /255, ImageNet mean/std), tf (x/127.5-1) or caffe (BGR minus means).")]
    public string? Preset { get; init; }

    [CommandOption("--mean <M,M,M>")]
    [Description("Per-channel mean subtracted after scaling, in the model's channel order.")]
    public string? Mean { get; init; }

    [CommandOption("--std <S,S,S>")]
    [Description("Per-channel std divided by after the mean.")]
    public string? Std { get; init; }

    [CommandOption("--scale <X>")]
    [Description("Multiplier applied to 0..255 pixels first (e.g. 0.00392157 for /255).")]
    public float? Scale { get; init; }

    [CommandOption("--channel-order <rgb|bgr>")]
    public string? ChannelOrder { get; init; }

    [CommandOption("--resize <squash|centerCrop>")]
    public string? Resize { get; init; }

    [CommandOption("--crop-fraction <F>")]
    [Description("For centerCrop: fraction of the resized shorter side kept (timm crop_pct).")]
    public double? CropFraction { get; init; }

    [CommandOption("--interpolation <nearest|bilinear|bicubic|lanczos3>")]
    public string? Interpolation { get; init; }

    public BackboneDescriptor ResolveBackbone() =>
        BackboneCatalog.Default().Resolve(Backbone, new BackboneOverrides
        {
            InputName = InputName,
            OutputName = OutputName,
            Dimension = FeatureDim,
            ImageSize = ImageSize,
            Preset = Preset,
            Mean = ParseTriple(Mean, "--mean"),
            Std = ParseTriple(Std, "--std"),
            Scale = Scale,
            ChannelOrder = ParseEnum<ChannelOrder>(ChannelOrder, "--channel-order"),
            Resize = ParseEnum<ResizeMode>(Resize, "--resize"),
            CropFraction = CropFraction,
            Interpolation = ParseEnum<Interpolation>(Interpolation, "--interpolation"),
        });

    private static float[]? ParseTriple(string? text, string flag)
    {
        if (text is null) return null;
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var values = new float[parts.Length];
        if (parts.Length != 3 || parts.Where((p, i) => !float.TryParse(p, NumberStyles.Float, CultureInfo.InvariantCulture, out values[i])).Any())
            throw new GraftException($"{flag} '{text}' needs three numbers, e.g. {flag} 0.485,0.456,0.406.");
        return values;
    }

    internal static T? ParseEnum<T>(string? text, string flag) where T : struct, Enum =>
        text is null ? null
        : Enum.TryParse<T>(text.Replace("-", ""), ignoreCase: true, out var v) && Enum.IsDefined(v) && !char.IsDigit(text.TrimStart()[0]) ? v
        : throw new GraftException($"{flag} '{text}' is not one of: {string.Join(", ", Enum.GetNames<T>().Select(n => char.ToLowerInvariant(n[0]) + n[1..]))}.");
}
