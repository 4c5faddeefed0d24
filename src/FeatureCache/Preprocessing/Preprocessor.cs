using System.Buffers;
using System.Runtime.InteropServices;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;
using SixLabors.ImageSharp.Processing.Processors.Transforms;

namespace Graft.FeatureCache.Preprocessing;

/// <summary>
/// Applies a <see cref="PreprocessSpec"/>: resizes a decoded RGB image and writes the normalised float tensor of one
/// image (3×H×W for NCHW, H×W×3 for NHWC) into a caller-owned span, so batches are filled without allocations.
/// Thread-safe (immutable after construction).
/// </summary>
/// <remarks>
/// Resizing uses ImageSharp's filters on gamma-encoded values (no companding), as PIL and torchvision do:
/// Nearest → NearestNeighbor, Bilinear → Triangle, Bicubic → Bicubic, Lanczos3 → Lanczos3. When downscaling, the
/// filters widen with the scale (antialiased, like PIL), so values stay close to PIL's but not bit-identical.
/// </remarks>
public sealed class Preprocessor
{
    private readonly float[]? _meanImage;
    private readonly float _a0, _a1, _a2, _b0, _b1, _b2;
    private readonly bool _bgr;
    private readonly IResampler _sampler;
    private readonly Action<IImageProcessingContext> _squash;

    /// <param name="spec">The backbone's preprocessing; validated here (<see cref="GraftException"/> when invalid).</param>
    /// <param name="meanImage">The resolved per-pixel mean image (CHW, model channel order, length 3·H·W), required
    /// exactly when <see cref="PreprocessSpec.MeanImage"/> is set, because the spec's canonical text (part of the
    /// feature-store key) only reflects a mean image the spec names.</param>
    public Preprocessor(PreprocessSpec spec, float[]? meanImage = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        spec.Validate("Preprocessing");
        if (spec.MeanImage is not null && meanImage is null)
            throw new ArgumentException("The spec names a mean image; pass its resolved values.", nameof(meanImage));
        if (spec.MeanImage is null && meanImage is not null)
            throw new ArgumentException("A mean image was passed but the spec names none.", nameof(meanImage));
        if (meanImage is not null && meanImage.Length != spec.TensorLength)
            throw new ArgumentException(
                $"Mean image has {meanImage.Length} values; 3×{spec.Height}×{spec.Width} needs {spec.TensorLength}.", nameof(meanImage));

        Spec = spec;
        _meanImage = meanImage;
        _bgr = spec.ChannelOrder == ChannelOrder.Bgr;
        // value = (p·Scale − Mean[c]) / Std[c] = p·a[c] + b[c]; c is the model's channel.
        (_a0, _b0) = (spec.Scale / spec.Std[0], -spec.Mean[0] / spec.Std[0]);
        (_a1, _b1) = (spec.Scale / spec.Std[1], -spec.Mean[1] / spec.Std[1]);
        (_a2, _b2) = (spec.Scale / spec.Std[2], -spec.Mean[2] / spec.Std[2]);
        _sampler = spec.Interpolation switch
        {
            Interpolation.Nearest => KnownResamplers.NearestNeighbor,
            Interpolation.Bilinear => KnownResamplers.Triangle,
            Interpolation.Bicubic => KnownResamplers.Bicubic,
            Interpolation.Lanczos3 => KnownResamplers.Lanczos3,
            _ => throw new ArgumentOutOfRangeException(nameof(spec), spec.Interpolation, "Unknown interpolation."),
        };
        var squash = new ResizeOptions
        {
            Size = new Size(spec.Width, spec.Height),
            Mode = SixLabors.ImageSharp.Processing.ResizeMode.Stretch,
            Sampler = _sampler,
            Compand = false,
        };
        _squash = x => x.Resize(squash); // built once: no closure per image
    }

    public PreprocessSpec Spec { get; }

    /// <summary>Resizes <paramref name="image"/> in place to exactly Width×Height per the spec. Under
    /// <see cref="ResizeMode.Squash"/> an image already of that size is left untouched. <see cref="ResizeMode.CenterCrop"/>
    /// follows <see cref="CenterCropPlan"/>: with CropFraction 1 an image of the target size is untouched too; below 1
    /// it is scaled up and cropped, as timm does.</summary>
    public void Resize(Image<Rgb24> image)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (Spec.Resize == ResizeMode.Squash)
        {
            if (image.Width != Spec.Width || image.Height != Spec.Height)
                image.Mutate(_squash);
            return;
        }

        var plan = CenterCropPlan.For(image.Width, image.Height, Spec.Width, Spec.Height, Spec.CropFraction);
        if (plan.ResizedWidth == image.Width && plan.ResizedHeight == image.Height)
        {
            if (plan.ResizedWidth != Spec.Width || plan.ResizedHeight != Spec.Height)
                image.Mutate(x => x.Crop(new Rectangle(plan.Left, plan.Top, Spec.Width, Spec.Height)));
            return;
        }
        // One pass: the resized image is placed at (−left, −top) on a Width×Height canvas, which equals resizing to
        // ResizedWidth×ResizedHeight and then cropping (verified pixel-identical), without the larger intermediate.
        var options = new ResizeOptions
        {
            Size = new Size(Spec.Width, Spec.Height),
            Mode = SixLabors.ImageSharp.Processing.ResizeMode.Manual,
            TargetRectangle = new Rectangle(-plan.Left, -plan.Top, plan.ResizedWidth, plan.ResizedHeight),
            Sampler = _sampler,
            Compand = false,
        };
        image.Mutate(x => x.Resize(options));
    }

    /// <summary>Writes the tensor of an image already of the spec's size into <paramref name="destination"/>
    /// (length exactly <see cref="PreprocessSpec.TensorLength"/>): NCHW as three planes H×W, NHWC as H×W pixels of
    /// three channels, channels in <see cref="PreprocessSpec.ChannelOrder"/>.</summary>
    public void WriteTensor(Image<Rgb24> resized, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(resized);
        if (resized.Width != Spec.Width || resized.Height != Spec.Height)
            throw new ArgumentException(
                $"The image is {resized.Width}×{resized.Height}; the spec wants {Spec.Width}×{Spec.Height}. Call Resize first.", nameof(resized));
        if (destination.Length != Spec.TensorLength)
            throw new ArgumentException(
                $"The destination holds {destination.Length} floats; one image needs {Spec.TensorLength}.", nameof(destination));

        if (resized.DangerousTryGetSinglePixelMemory(out var memory))
        {
            Write(MemoryMarshal.AsBytes(memory.Span), destination);
            return;
        }
        // Discontiguous only for very large inputs; copy through a pooled buffer (no garbage).
        var pixels = ArrayPool<Rgb24>.Shared.Rent(Spec.Width * Spec.Height);
        try
        {
            var span = pixels.AsSpan(0, Spec.Width * Spec.Height);
            resized.CopyPixelDataTo(span);
            Write(MemoryMarshal.AsBytes(span), destination);
        }
        finally
        {
            ArrayPool<Rgb24>.Shared.Return(pixels);
        }
    }

    /// <summary>Resize then <see cref="WriteTensor"/>.</summary>
    public void Apply(Image<Rgb24> image, Span<float> destination)
    {
        Resize(image);
        WriteTensor(image, destination);
    }

    /// <summary>rgb: H·W interleaved R,G,B bytes, row-major.</summary>
    private void Write(ReadOnlySpan<byte> rgb, Span<float> destination)
    {
        int plane = Spec.Width * Spec.Height;
        // Source byte offset of each model channel within a pixel.
        int s0 = _bgr ? 2 : 0, s2 = _bgr ? 0 : 2;
        ReadOnlySpan<float> mean = _meanImage;
        bool hasMean = _meanImage is not null;

        if (Spec.Layout == TensorLayout.Nchw)
        {
            var d0 = destination[..plane];
            var d1 = destination.Slice(plane, plane);
            var d2 = destination.Slice(2 * plane, plane);
            for (int i = 0; i < plane; i++)
            {
                int p = 3 * i;
                d0[i] = rgb[p + s0] * _a0 + _b0;
                d1[i] = rgb[p + 1] * _a1 + _b1;
                d2[i] = rgb[p + s2] * _a2 + _b2;
            }
            if (hasMean)
            {
                for (int i = 0; i < destination.Length; i++)
                    destination[i] -= mean[i];
            }
            return;
        }

        for (int i = 0; i < plane; i++)
        {
            int p = 3 * i;
            destination[p] = rgb[p + s0] * _a0 + _b0;
            destination[p + 1] = rgb[p + 1] * _a1 + _b1;
            destination[p + 2] = rgb[p + s2] * _a2 + _b2;
            if (hasMean)
            {
                // The mean image is CHW whatever the tensor layout.
                destination[p] -= mean[i];
                destination[p + 1] -= mean[plane + i];
                destination[p + 2] -= mean[2 * plane + i];
            }
        }
    }
}
