using System.Buffers.Binary;
using System.Numerics;

namespace Graft.FeatureCache.Datasets;

/// <summary>
/// The checksums of the TFRecord framing (tensorflow/core/lib/hash/crc32c.h): CRC-32C (Castagnoli polynomial,
/// reflected, initial value and final xor 0xFFFFFFFF; crc32c("123456789") = 0xE3069283), stored "masked" so that a
/// CRC of data that itself holds CRCs does not look like one: ((crc &gt;&gt; 15) | (crc &lt;&lt; 17)) + 0xa282ead8.
/// <see cref="BitOperations.Crc32C(uint, ulong)"/> is the bare CRC step (SSE4.2 / ARM CRC instructions where present),
/// without the initial value or final xor.
/// </summary>
internal static class TfRecordChecksum
{
    private const uint MaskDelta = 0xa282ead8;

    public static uint Crc32C(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        while (data.Length >= 8)
        {
            // The CRC instruction consumes the 8 bytes in little-endian order, i.e. in file order.
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }
        foreach (var b in data)
            crc = BitOperations.Crc32C(crc, b);
        return ~crc;
    }

    public static uint Mask(uint crc) => unchecked(((crc >> 15) | (crc << 17)) + MaskDelta);

    public static uint Unmask(uint masked)
    {
        var rotated = unchecked(masked - MaskDelta);
        return (rotated >> 17) | (rotated << 15);
    }

    /// <summary>The masked CRC-32C of <paramref name="data"/>, as TFRecord files store it.</summary>
    public static uint MaskedCrc32C(ReadOnlySpan<byte> data) => Mask(Crc32C(data));
}
