using Graft.FeatureCache.Onnx;
using Microsoft.ML.OnnxRuntime;

namespace Graft.FeatureCache.Backbones;

/// <summary>
/// A frozen backbone in an ONNX Runtime session: float image tensors in, pooled D-dimensional features out. The
/// feature extractor half of timm's forward_features / forward_head split. Buffers are allocated once for
/// <see cref="BackboneRunOptions.MaxBatchSize"/> and reused through the OrtValue API; callers fill
/// <see cref="InputBuffer"/> and read the result from <see cref="OutputBuffer"/>. Not thread-safe: one caller at a time.
/// </summary>
public sealed class OnnxBackbone : IDisposable
{
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;
    private readonly long[] _inputShape;
    private readonly long[]? _outputShape;

    private OnnxBackbone(BackboneDescriptor descriptor, InferenceSession session, string modelPath, string sha256,
        string deviceLine, BackboneRunOptions options)
    {
        Descriptor = descriptor;
        _session = session;
        ModelPath = modelPath;
        ModelSha256 = sha256;
        DeviceDescription = deviceLine;
        MaxBatchSize = options.MaxBatchSize;
        _inputNames = [descriptor.Input.Name];
        _outputNames = [descriptor.Output.Name];

        if (!session.InputMetadata.TryGetValue(descriptor.Input.Name, out var input))
            throw new GraftException($"Backbone '{descriptor.Name}': the model has no input '{descriptor.Input.Name}' (it has: {string.Join(", ", session.InputMetadata.Keys)}).");
        if (!session.OutputMetadata.TryGetValue(descriptor.Output.Name, out var output))
            throw new GraftException($"Backbone '{descriptor.Name}': the model has no output '{descriptor.Output.Name}' (it has: {string.Join(", ", session.OutputMetadata.Keys)}).");
        var spec = descriptor.Preprocess;
        _inputShape = spec.Layout == Preprocessing.TensorLayout.Nchw
            ? [0, 3, spec.Height, spec.Width]
            : [0, spec.Height, spec.Width, 3];
        var declared = input.Dimensions;
        if (declared.Length != 4 || Enumerable.Range(1, 3).Any(i => declared[i] > 0 && declared[i] != _inputShape[i]))
            throw new GraftException($"Backbone '{descriptor.Name}': the model input is [{string.Join(',', declared)}] but the descriptor says [N,{string.Join(',', _inputShape[1..])}].",
                "Fix the descriptor's preprocess width/height/layout.");
        if (declared[0] > 0 && declared[0] != 1)
            throw new GraftException($"Backbone '{descriptor.Name}': the model's batch dimension is fixed at {declared[0]}.");
        if (declared[0] == 1 && MaxBatchSize > 1)
            throw new InvalidOperationException("A fixed-batch model must be loaded through its batched copy.");

        // A statically known pooled output ([N,D] or [N,D,1,1]) is written straight into OutputBuffer; anything else is
        // allocated by ONNX Runtime and pooled here.
        var outDims = output.Dimensions;
        var perImage = outDims.Skip(1).Aggregate(1L, (a, d) => d > 0 ? a * d : -1);
        if (descriptor.Output.Pooling == OutputPooling.InGraph)
        {
            if (perImage != descriptor.Output.Dimension)
                throw new GraftException($"Backbone '{descriptor.Name}': output '{descriptor.Output.Name}' is [{string.Join(',', outDims)}], not {descriptor.Output.Dimension} features per image.",
                    "Set output.dimension to the feature width, or output.pooling to globalAverage for a feature map.");
            _outputShape = outDims.Select(d => (long)d).ToArray();
        }

        InputBuffer = new float[(long)MaxBatchSize * spec.TensorLength];
        OutputBuffer = new float[(long)MaxBatchSize * descriptor.Output.Dimension];
    }

    public BackboneDescriptor Descriptor { get; }

    /// <summary>The ONNX file the session runs (a batched copy for fixed-batch models).</summary>
    public string ModelPath { get; }

    /// <summary>SHA-256 of the original model file: the backbone part of every feature key.</summary>
    public string ModelSha256 { get; }

    /// <summary>One line for the log: which execution provider runs the model and why.</summary>
    public string DeviceDescription { get; }

    public int MaxBatchSize { get; }

    /// <summary>Feature width D.</summary>
    public int Dimension => Descriptor.Output.Dimension;

    /// <summary>Input tensors of up to <see cref="MaxBatchSize"/> images, one after another (each
    /// <see cref="Preprocessing.PreprocessSpec.TensorLength"/> floats).</summary>
    public float[] InputBuffer { get; }

    /// <summary>Features of the last <see cref="Run"/>: image i at [i·D, (i+1)·D).</summary>
    public float[] OutputBuffer { get; }

    /// <summary>Opens the descriptor's model through <see cref="BackboneModelFile"/> (located, hash-verified, batched
    /// copy if needed) in an ONNX Runtime session.</summary>
    public static OnnxBackbone Load(BackboneDescriptor descriptor, BackboneRunOptions? options = null) =>
        Load(BackboneModelFile.Open(descriptor), options);

    /// <summary>Opens an already located and verified model file in an ONNX Runtime session.</summary>
    public static OnnxBackbone Load(BackboneModelFile model, BackboneRunOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        options ??= new BackboneRunOptions();
        if (options.MaxBatchSize < 1) throw new GraftException($"Batch size {options.MaxBatchSize} must be at least 1.");
        var descriptor = model.Descriptor;
        var runPath = model.RunnablePath;

        var (sessionOptions, deviceLine) = CreateSessionOptions(options);
        InferenceSession session;
        try
        {
            session = model.OpenSession(sessionOptions);
        }
        catch
        {
            sessionOptions.Dispose();
            throw;
        }
        try
        {
            return new OnnxBackbone(descriptor, session, runPath, model.Sha256, deviceLine, options);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Runs the first <paramref name="count"/> images of <see cref="InputBuffer"/> and leaves their features in
    /// <see cref="OutputBuffer"/>.
    /// </summary>
    public void Run(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, MaxBatchSize);
        var tensorLength = Descriptor.Preprocess.TensorLength;
        var dim = Dimension;
        var inShape = (long[])_inputShape.Clone();
        inShape[0] = count;
        using var input = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance,
            InputBuffer.AsMemory(0, count * tensorLength), inShape);
        if (_outputShape is not null)
        {
            var outShape = (long[])_outputShape.Clone();
            outShape[0] = count;
            using var output = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance,
                OutputBuffer.AsMemory(0, count * dim), outShape);
            _session.Run(_runOptions, _inputNames, [input], _outputNames, [output]);
            return;
        }

        using var results = _session.Run(_runOptions, _inputNames, [input], _outputNames);
        var map = results[0];
        var shape = map.GetTensorTypeAndShape().Shape;
        var data = map.GetTensorDataAsSpan<float>();
        GlobalAveragePool(data, shape, Descriptor.Preprocess.Layout, dim, OutputBuffer.AsSpan(0, count * dim));
    }

    /// <summary>Averages an [N,D,H,W] (NCHW) or [N,H,W,D] (NHWC) map over its spatial positions.</summary>
    internal static void GlobalAveragePool(ReadOnlySpan<float> map, long[] shape, Preprocessing.TensorLayout layout, int dim, Span<float> destination)
    {
        var n = (int)shape[0];
        var channelsFirst = layout == Preprocessing.TensorLayout.Nchw;
        var channels = shape.Length == 2 ? shape[1] : channelsFirst ? shape[1] : shape[^1];
        if (channels != dim)
            throw new GraftException($"The backbone output has {channels} channels, the descriptor says {dim}.");
        var spatial = (int)(shape.Skip(1).Aggregate(1L, (a, d) => a * d) / dim);
        for (var i = 0; i < n; i++)
        {
            var src = map.Slice(i * dim * spatial, dim * spatial);
            var dst = destination.Slice(i * dim, dim);
            if (channelsFirst)
            {
                for (var c = 0; c < dim; c++)
                {
                    var plane = src.Slice(c * spatial, spatial);
                    double sum = 0;
                    foreach (var v in plane) sum += v;
                    dst[c] = (float)(sum / spatial);
                }
            }
            else
            {
                dst.Clear();
                for (var p = 0; p < spatial; p++)
                    System.Numerics.Tensors.TensorPrimitives.Add(dst, src.Slice(p * dim, dim), dst);
                System.Numerics.Tensors.TensorPrimitives.Multiply(dst, 1f / spatial, dst);
            }
        }
    }

    private static (SessionOptions, string) CreateSessionOptions(BackboneRunOptions options)
    {
        var so = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = options.Threads > 0 ? options.Threads : Environment.ProcessorCount,
            InterOpNumThreads = 1,
        };
        so.AddSessionConfigEntry("session.intra_op.allow_spinning", options.AllowSpinning ? "1" : "0");
        var threads = so.IntraOpNumThreads;
        var device = options.Device;
        if (device.Kind == ExecutionDeviceKind.Cpu)
            return (so, $"device: CPU ({threads} threads), as requested");

        if (device.Kind == ExecutionDeviceKind.Auto && !ExecutionDevice.NvidiaDriverPresent(out var why))
            return (so, $"device: CPU ({threads} threads) — {why}");
        try
        {
            so.AppendExecutionProvider_CUDA(device.CudaDeviceId);
            return (so, $"device: CUDA GPU {device.CudaDeviceId} (CUDA execution provider, CPU fallback for unsupported ops)");
        }
        catch (Exception e) when (e is OnnxRuntimeException or DllNotFoundException or EntryPointNotFoundException)
        {
            if (device.Kind == ExecutionDeviceKind.Cuda)
            {
                so.Dispose();
                throw new GraftException($"CUDA {device.CudaDeviceId} was requested but the CUDA execution provider cannot start: {OrtSessionFactory.FirstLine(e.Message)}",
                    "Install CUDA 12/13 and cuDNN matching ONNX Runtime 1.31, or use --device cpu (or auto).");
            }
            return (so, $"device: CPU ({threads} threads) — CUDA execution provider unavailable: {OrtSessionFactory.FirstLine(e.Message)}");
        }
    }

    public void Dispose()
    {
        _session.Dispose();
        _runOptions.Dispose();
    }
}
