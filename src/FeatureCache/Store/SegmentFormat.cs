using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;

namespace Graft.FeatureCache.Store;

/// <summary>
/// Layout of a feature segment file (<c>seg-*.gfs</c>), the unit a precompute process appends to. Little-endian.
/// <code>
/// header (48 bytes): "GRAFTFS\0" | u32 version=1 | u8 dtype, 3 × 0 | u32 dim | u32 0 | 16 ASCII bytes set id
///                    | u64 XxHash3 of the 40 bytes before
/// block, repeated:   u32 "BLK1" | u32 count | u64 payload length | u64 XxHash3(payload, seed = count)
///                    | payload: count × (32-byte SHA-256 of the image content | dim values of dtype)
/// </code>
/// A block is written in one piece and flushed; a process killed mid-write leaves a short last block, which readers
/// recognise as a torn tail (data past the file's end) and ignore. A block whose checksum fails inside the file is
/// damage: reported, never trusted, and its images are computed again.
/// </summary>
internal static class SegmentFormat
{
    public const int HeaderSize = 48;
    public const int BlockHeaderSize = 24;
    public const int HashSize = 32;
    public const uint Version = 1;
    public const uint BlockMagic = 0x314B4C42; // "BLK1"
    public static ReadOnlySpan<byte> Magic => "GRAFTFS\0"u8;

    public static int RecordSize(int dim, FeatureDType dtype) => HashSize + dim * dtype.ByteSize();

    public static void WriteHeader(Span<byte> dst, string setId, int dim, FeatureDType dtype)
    {
        dst[..HeaderSize].Clear();
        Magic.CopyTo(dst);
        BinaryPrimitives.WriteUInt32LittleEndian(dst[8..], Version);
        dst[12] = (byte)dtype;
        BinaryPrimitives.WriteInt32LittleEndian(dst[16..], dim);
        Encoding.ASCII.GetBytes(setId.AsSpan(0, 16), dst[24..40]);
        BinaryPrimitives.WriteUInt64LittleEndian(dst[40..], XxHash3.HashToUInt64(dst[..40]));
    }

    /// <summary>Checks a header; returns null when it is valid for the set, else what is wrong.</summary>
    public static string? CheckHeader(ReadOnlySpan<byte> src, string setId, int dim, FeatureDType dtype)
    {
        if (src.Length < HeaderSize) return "file shorter than its header";
        if (!src[..8].SequenceEqual(Magic)) return "not a Graft feature segment (bad magic)";
        if (BinaryPrimitives.ReadUInt64LittleEndian(src[40..]) != XxHash3.HashToUInt64(src[..40])) return "header checksum mismatch";
        if (BinaryPrimitives.ReadUInt32LittleEndian(src[8..]) != Version) return $"unsupported segment version {BinaryPrimitives.ReadUInt32LittleEndian(src[8..])}";
        if (Encoding.ASCII.GetString(src[24..40]) != setId) return $"belongs to feature set {Encoding.ASCII.GetString(src[24..40])}, not {setId}";
        if ((FeatureDType)src[12] != dtype || BinaryPrimitives.ReadInt32LittleEndian(src[16..]) != dim)
            return "dtype or dimension differs from the set's";
        return null;
    }

    public static void WriteBlockHeader(Span<byte> dst, int count, ReadOnlySpan<byte> payload)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(dst, BlockMagic);
        BinaryPrimitives.WriteInt32LittleEndian(dst[4..], count);
        BinaryPrimitives.WriteInt64LittleEndian(dst[8..], payload.Length);
        BinaryPrimitives.WriteUInt64LittleEndian(dst[16..], XxHash3.HashToUInt64(payload, count));
    }
}
