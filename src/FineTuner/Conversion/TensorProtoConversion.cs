using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;
using TorchSharp;
using static TorchSharp.torch;
using DataType = Onnx.TensorProto.Types.DataType;
using Graft.FineTuner.Training.Boundary;
using Graft.FineTuner.Training.Optimization;

namespace Graft.FineTuner.Conversion;

/// <summary>ONNX <see cref="TensorProto"/> ⇄ TorchSharp tensors. Floats stay float32 (float16/bfloat16/double initializers are
/// widened/narrowed to float32: the module computes in float32); integer types become int64, the type every shape
/// operator (Reshape, Slice, Pad…) takes.</summary>
internal static class TensorProtoConversion
{
    /// <summary>True for the element types that hold weights (become Parameters or buffers).</summary>
    public static bool IsFloat(TensorProto t) => (DataType)t.DataType is DataType.Float or DataType.Float16 or DataType.Double or DataType.Bfloat16;

    /// <summary>A CPU tensor with the proto's shape and values (a copy; the proto is not referenced).</summary>
    public static Tensor ToTensor(TensorProto t)
    {
        try
        {
            return Read(t);
        }
        catch (Exception e) when (e is not GraftException)
        {
            // A malformed proto (too few values for its dims, a truncated raw_data) is the file's fault: say which.
            throw new GraftException($"Tensor '{t.Name}' of shape [{string.Join(", ", t.Dims)}] cannot be read: {e.Message.Split('\n')[0]}",
                "The ONNX file is damaged or was written by a faulty exporter.", e);
        }
    }

    private static Tensor Read(TensorProto t)
    {
        var dims = t.Dims.ToArray();
        var raw = t.RawData.Span;
        switch ((DataType)t.DataType)
        {
            case DataType.Float:
                return torch.tensor(raw.Length > 0 ? MemoryMarshal.Cast<byte, float>(raw).ToArray() : t.FloatData.ToArray(), dims);
            case DataType.Double:
                var d = raw.Length > 0 ? MemoryMarshal.Cast<byte, double>(raw).ToArray() : t.DoubleData.ToArray();
                return torch.tensor(d.Select(v => (float)v).ToArray(), dims);
            case DataType.Float16:
                // float16 without raw_data is stored as uint16 bit patterns in int32_data.
                var halves = raw.Length > 0
                    ? MemoryMarshal.Cast<byte, Half>(raw).ToArray()
                    : t.Int32Data.Select(v => BitConverter.UInt16BitsToHalf((ushort)v)).ToArray();
                return torch.tensor(halves.Select(h => (float)h).ToArray(), dims);
            case DataType.Bfloat16:
                // bfloat16 is the upper half of a float32; without raw_data the bit patterns sit in int32_data.
                var bits = raw.Length > 0 ? MemoryMarshal.Cast<byte, ushort>(raw).ToArray().Select(b => (int)b) : t.Int32Data;
                return torch.tensor(bits.Select(b => BitConverter.Int32BitsToSingle(b << 16)).ToArray(), dims);
            case DataType.Int64:
                return torch.tensor(raw.Length > 0 ? MemoryMarshal.Cast<byte, long>(raw).ToArray() : t.Int64Data.ToArray(), dims);
            case DataType.Uint32 or DataType.Uint64:
                // Stored in uint64_data without raw_data; kept as int64 like every integer (values past 2⁶³ wrap).
                return torch.tensor(raw.Length > 0
                    ? (DataType)t.DataType == DataType.Uint32
                        ? MemoryMarshal.Cast<byte, uint>(raw).ToArray().Select(v => (long)v).ToArray()
                        : MemoryMarshal.Cast<byte, ulong>(raw).ToArray().Select(v => unchecked((long)v)).ToArray()
                    : t.Uint64Data.Select(v => unchecked((long)v)).ToArray(), dims);
            case DataType.Int32 or DataType.Int16 or DataType.Int8 or DataType.Uint8 or DataType.Uint16 or DataType.Bool:
                return torch.tensor(IntegerValues(t).ToArray(), dims);
            default:
                throw new GraftException($"Tensor '{t.Name}' has ONNX element type {(DataType)t.DataType}, which the fine-tuner does not handle.",
                    "Only float, float16, bfloat16, double, integer and bool tensors are supported.");
        }
    }

    /// <summary>The values of a float tensor (float, float16 or double) as float32.</summary>
    public static float[] ToFloats(TensorProto t)
    {
        using var values = ToTensor(t);
        return Storage.TensorValues.Floats(values);
    }

    /// <summary>The values of an integer tensor (shapes, axes, pads) as long.</summary>
    public static long[] ToLongs(TensorProto t)
    {
        if ((DataType)t.DataType == DataType.Int64)
            return t.RawData.Length > 0 ? MemoryMarshal.Cast<byte, long>(t.RawData.Span).ToArray() : t.Int64Data.ToArray();
        return IntegerValues(t).ToArray();
    }

    private static IEnumerable<long> IntegerValues(TensorProto t)
    {
        var raw = t.RawData.ToByteArray();
        if (raw.Length == 0) return t.Int32Data.Select(v => (long)v);
        return (DataType)t.DataType switch
        {
            DataType.Int32 => MemoryMarshal.Cast<byte, int>(raw).ToArray().Select(v => (long)v),
            DataType.Int16 => MemoryMarshal.Cast<byte, short>(raw).ToArray().Select(v => (long)v),
            DataType.Uint16 => MemoryMarshal.Cast<byte, ushort>(raw).ToArray().Select(v => (long)v),
            DataType.Int8 => raw.Select(b => (long)(sbyte)b),
            _ => raw.Select(b => (long)b),
        };
    }

    /// <summary>Replaces the values of a float initializer with <paramref name="values"/> (same element count), as
    /// little-endian raw_data of the proto's own element type, keeping its name and dims.</summary>
    public static void Overwrite(TensorProto t, Tensor values)
    {
        var floats = Storage.TensorValues.Floats(values);
        var expected = t.Dims.Aggregate(1L, (a, b) => a * b);
        if (floats.Length != expected)
            throw new InvalidOperationException($"Initializer '{t.Name}' holds {expected} values, the module {floats.Length}.");
        byte[] bytes = (DataType)t.DataType switch
        {
            DataType.Float => MemoryMarshal.AsBytes(floats.AsSpan()).ToArray(),
            DataType.Double => MemoryMarshal.AsBytes(floats.Select(f => (double)f).ToArray().AsSpan()).ToArray(),
            DataType.Float16 => MemoryMarshal.AsBytes(floats.Select(f => (Half)f).ToArray().AsSpan()).ToArray(),
            DataType.Bfloat16 => MemoryMarshal.AsBytes(floats.Select(ToBfloat16).ToArray().AsSpan()).ToArray(),
            _ => throw new InvalidOperationException($"Initializer '{t.Name}' is not a float tensor."),
        };
        t.FloatData.Clear();
        t.DoubleData.Clear();
        t.Int32Data.Clear();
        t.RawData = ByteString.CopyFrom(bytes);
    }

    /// <summary>float32 → bfloat16 bits, rounding to nearest even (NaN kept NaN).</summary>
    private static ushort ToBfloat16(float f)
    {
        if (float.IsNaN(f)) return 0x7FC0;
        var bits = (uint)BitConverter.SingleToInt32Bits(f);
        return (ushort)((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16);
    }
}
