using System.Buffers.Binary;
using System.IO.Hashing;

namespace Graft.FeatureCache.Store;

/// <summary>
/// Reads a segment block by block, verifying every checksum. Torn tails (a write interrupted by a kill) are ignored
/// and counted; damaged blocks are reported and skipped. Nothing unverified reaches the caller.
/// </summary>
internal static class FeatureSegmentReader
{
    /// <summary>Calls <paramref name="onBlock"/>(payload, count) for each valid block of the segment at
    /// <paramref name="path"/>; the payload span is only valid during the call.</summary>
    public static SegmentScan Scan(string path, string setId, int dim, FeatureDType dtype, BlockHandler onBlock)
    {
        var scan = new SegmentScan(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.SequentialScan);
        var length = stream.Length;
        Span<byte> header = stackalloc byte[SegmentFormat.HeaderSize];
        if (length < SegmentFormat.HeaderSize)
        {
            scan.TornBytes = length; // created and killed before the header landed
            return scan;
        }
        stream.ReadExactly(header);
        var problem = SegmentFormat.CheckHeader(header, setId, dim, dtype);
        if (problem is not null)
        {
            scan.Damage.Add($"{Path.GetFileName(path)}: {problem}; the whole file is ignored");
            return scan;
        }

        var recordSize = SegmentFormat.RecordSize(dim, dtype);
        Span<byte> blockHeader = stackalloc byte[SegmentFormat.BlockHeaderSize];
        var buffer = Array.Empty<byte>();
        long position = SegmentFormat.HeaderSize;
        while (position < length)
        {
            if (length - position < SegmentFormat.BlockHeaderSize)
            {
                scan.TornBytes = length - position;
                break;
            }
            stream.ReadExactly(blockHeader);
            var magic = BinaryPrimitives.ReadUInt32LittleEndian(blockHeader);
            var count = BinaryPrimitives.ReadInt32LittleEndian(blockHeader[4..]);
            var payloadLength = BinaryPrimitives.ReadInt64LittleEndian(blockHeader[8..]);
            var checksum = BinaryPrimitives.ReadUInt64LittleEndian(blockHeader[16..]);
            if (magic != SegmentFormat.BlockMagic || count <= 0 || payloadLength != (long)count * recordSize)
            {
                // Block boundaries can no longer be trusted: the rest of the file is unreadable.
                scan.Damage.Add($"{Path.GetFileName(path)}: bad block header at byte {position}; {length - position} bytes ignored");
                break;
            }
            if (payloadLength > length - position - SegmentFormat.BlockHeaderSize)
            {
                scan.TornBytes = length - position;
                break;
            }
            if (buffer.Length < payloadLength) buffer = new byte[Math.Max(payloadLength, 1 << 20)];
            var payload = buffer.AsSpan(0, (int)payloadLength);
            stream.ReadExactly(payload);
            position += SegmentFormat.BlockHeaderSize + payloadLength;
            if (XxHash3.HashToUInt64(payload, count) != checksum)
            {
                scan.Damage.Add($"{Path.GetFileName(path)}: block at byte {position - payloadLength - SegmentFormat.BlockHeaderSize} ({count} records) fails its checksum; skipped");
                continue;
            }
            onBlock(payload, count);
            scan.Records += count;
        }
        return scan;
    }

    public delegate void BlockHandler(ReadOnlySpan<byte> payload, int count);
}

/// <summary>What reading one segment found.</summary>
public sealed class SegmentScan(string path)
{
    public string Path { get; } = path;

    /// <summary>Verified records.</summary>
    public long Records { get; internal set; }

    /// <summary>Bytes of an interrupted final block (a killed writer); ignored, their images are recomputed.</summary>
    public long TornBytes { get; internal set; }

    /// <summary>Damage found: each entry names the file and the block.</summary>
    public List<string> Damage { get; } = [];
}
