using Graft.FeatureCache.Decoding;
using Graft.FeatureCache.Preprocessing;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;
using SixLabors.ImageSharp.Processing.Processors.Transforms;
using Graft.FineTuner.Training.Boundary;
using Graft.FineTuner.Training.Optimization;
using Graft.FineTuner.Training;

namespace Graft.FineTuner.Training.Augmentation;

/// <summary>
/// Images → input tensors exactly as the backbone expects them (the FeatureCache <see cref="Preprocessor"/>), with
/// optional <see cref="ImageAugmentation"/> for training batches. Batches decode in parallel, one image per worker.
/// </summary>
public sealed class ImageTensorLoader
{
    private readonly Preprocessor _preprocessor;
    private readonly ImageDecoder _decoder;

    public ImageTensorLoader(PreprocessSpec spec, float[]? meanImage, DecoderLimits? limits = null)
    {
        _preprocessor = new Preprocessor(spec, meanImage);
        _decoder = new ImageDecoder(limits);
    }

    public PreprocessSpec Spec => _preprocessor.Spec;

    /// <summary>Floats per image (3·H·W).</summary>
    public int TensorLength => _preprocessor.Spec.TensorLength;

    /// <summary>Fills <paramref name="destination"/> (items.Count × <see cref="TensorLength"/>) with the items' tensors.
    /// With <paramref name="augmentation"/>, image i draws its crop from Random(<paramref name="seeds"/>[i]).</summary>
    public void LoadBatch(IReadOnlyList<FineTuneItem> items, float[] destination, ImageAugmentation? augmentation = null, int[]? seeds = null)
    {
        var length = TensorLength;
        if (destination.Length < items.Count * length) throw new ArgumentException("Destination too small.", nameof(destination));
        Parallel.For(0, items.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
        {
            var item = items[i];
            Image<Rgb24> image;
            try
            {
                image = _decoder.Decode(item.Read());
            }
            catch (Exception e) when (e is ImageRejectedException or IOException or InvalidDataException)
            {
                throw new GraftException($"Image '{item.Id}' cannot be read: {e.Message}", "Fix or remove the image and rerun the precompute that listed it.");
            }
            using (image)
            {
                var span = destination.AsSpan(i * length, length);
                if (augmentation is null)
                {
                    _preprocessor.Apply(image, span);
                    return;
                }
                var draw = augmentation.Sample(image.Width, image.Height, new Random(seeds![i]));
                var spec = _preprocessor.Spec;
                image.Mutate(c =>
                {
                    c.Crop(new Rectangle(draw.X, draw.Y, draw.Width, draw.Height)).Resize(new ResizeOptions
                    {
                        Size = new Size(spec.Width, spec.Height),
                        Mode = SixLabors.ImageSharp.Processing.ResizeMode.Stretch,
                        Sampler = Sampler(spec.Interpolation),
                        Compand = false,
                    });
                    if (draw.Flip) c.Flip(FlipMode.Horizontal);
                    if (draw.Jitters) c.Brightness(draw.Brightness).Contrast(draw.Contrast).Saturate(draw.Saturation);
                });
                _preprocessor.WriteTensor(image, span);
            }
        });
    }

    private static IResampler Sampler(Interpolation interpolation) => interpolation switch
    {
        Interpolation.Nearest => KnownResamplers.NearestNeighbor,
        Interpolation.Bicubic => KnownResamplers.Bicubic,
        Interpolation.Lanczos3 => KnownResamplers.Lanczos3,
        _ => KnownResamplers.Triangle,
    };
}
