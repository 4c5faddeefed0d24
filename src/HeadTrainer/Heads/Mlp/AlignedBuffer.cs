using System.Runtime.InteropServices;

namespace Graft.HeadTrainer.Heads.Mlp;

/// <summary>
/// Native float32 memory aligned to 64 bytes, zero-filled. The MLP's training state lives here because a
/// <see cref="System.Runtime.Intrinsics.Vector512{T}"/> load that straddles two cache lines costs two; managed arrays
/// are only 8-byte aligned.
/// </summary>
internal sealed unsafe class AlignedBuffer : IDisposable
{
    private float* _pointer;

    public AlignedBuffer(long length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (length > int.MaxValue) throw new ArgumentOutOfRangeException(nameof(length), "At most 2^31 − 1 floats.");
        Length = (int)length;
        var bytes = (nuint)Math.Max(1, length) * sizeof(float);
        _pointer = (float*)NativeMemory.AlignedAlloc(bytes, 64);
        NativeMemory.Clear(_pointer, bytes);
    }

    ~AlignedBuffer() => Free();

    public int Length { get; }

    public float* Pointer => _pointer != null ? _pointer : throw new ObjectDisposedException(nameof(AlignedBuffer));

    /// <summary>The address as an integer, for capture in a parallel loop body (C# lambdas cannot capture pointers).</summary>
    public nint Address => (nint)Pointer;

    public Span<float> Span => new(Pointer, Length);

    public void Dispose()
    {
        Free();
        GC.SuppressFinalize(this);
    }

    private void Free()
    {
        if (_pointer == null) return;
        NativeMemory.AlignedFree(_pointer);
        _pointer = null;
    }
}
