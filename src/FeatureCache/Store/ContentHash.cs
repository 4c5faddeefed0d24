using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Graft.FeatureCache.Store;

/// <summary>SHA-256 of an image's stored bytes: the per-image part of a feature key.</summary>
public readonly record struct ContentHash(ulong A, ulong B, ulong C, ulong D)
{
    public const int Size = 32;

    public static ContentHash Read(ReadOnlySpan<byte> bytes) => new(
        BinaryPrimitives.ReadUInt64BigEndian(bytes),
        BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]),
        BinaryPrimitives.ReadUInt64BigEndian(bytes[16..]),
        BinaryPrimitives.ReadUInt64BigEndian(bytes[24..]));

    /// <summary>Hash of image data: the encoded bytes, or for raw pixels the bytes prefixed with their shape (so a
    /// 28×28 grey image and a 14×56 one with the same bytes differ).</summary>
    public static ContentHash Of(Datasets.ImageData data)
    {
        Span<byte> digest = stackalloc byte[Size];
        if (!data.IsRaw)
        {
            SHA256.HashData(data.Bytes, digest);
        }
        else
        {
            using var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            Span<byte> shape = stackalloc byte[16];
            "RAW\0"u8.CopyTo(shape);
            BinaryPrimitives.WriteInt32LittleEndian(shape[4..], data.Width);
            BinaryPrimitives.WriteInt32LittleEndian(shape[8..], data.Height);
            BinaryPrimitives.WriteInt32LittleEndian(shape[12..], data.Channels);
            h.AppendData(shape);
            h.AppendData(data.Bytes);
            h.GetHashAndReset(digest);
        }
        return Read(digest);
    }

    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, A);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], B);
        BinaryPrimitives.WriteUInt64BigEndian(destination[16..], C);
        BinaryPrimitives.WriteUInt64BigEndian(destination[24..], D);
    }

    public static ContentHash Parse(string hex)
    {
        if (hex.Length != 64) throw new FormatException($"'{hex}' is not a SHA-256 hex string.");
        return Read(Convert.FromHexString(hex));
    }

    public override string ToString()
    {
        Span<byte> b = stackalloc byte[Size];
        Write(b);
        return Convert.ToHexStringLower(b);
    }
}
