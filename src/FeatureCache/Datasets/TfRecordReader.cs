using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;

namespace Graft.FeatureCache.Datasets;

/// <summary>Where one record of a TFRecord file is and whether its data checksum held when the file was scanned.</summary>
internal readonly record struct TfRecordEntry(long Index, long Offset, int Length, bool DataCrcValid);

/// <summary>
/// Called for each record found by <see cref="TfRecordReader.Scan"/>: the record's data is
/// <c>buffer[0..entry.Length)</c>, and the buffer is reused for the next record.
/// </summary>
internal delegate void TfRecordVisitor(in TfRecordEntry entry, byte[] buffer);

/// <summary>
/// Reads TFRecord files (tensorflow/core/lib/io/record_writer.cc): each record is a uint64 little-endian length, the
/// masked CRC-32C of those 8 bytes, the data, and the masked CRC-32C of the data. Scanning lists records once;
/// <see cref="ReadRecord"/> later reads one record again by offset with its own file handle, so any number of decode
/// workers can call it at once.
/// </summary>
internal static class TfRecordReader
{
    private const int HeaderBytes = 12;
    private const int FooterBytes = 4;

    /// <summary>
    /// Visits every record of <paramref name="path"/> in order, checking both checksums. A record whose data checksum
    /// fails is still visited (flagged), since its framing is intact and the next record can be found. A broken length
    /// checksum or a truncated tail ends the scan: the framing can no longer be trusted. Returns that problem, or null.
    /// </summary>
    public static string? Scan(string path, TfRecordVisitor visitor)
    {
        var name = Path.GetFileName(path);
        FileNode.RequireRegularFile(path, "TFRecord file");
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan);
        var header = new byte[HeaderBytes];
        var buffer = new byte[1 << 16];
        long offset = 0, index = 0;
        while (true)
        {
            var got = stream.ReadAtLeast(header, HeaderBytes, throwOnEndOfStream: false);
            if (got == 0) return null;
            if (got < HeaderBytes)
                return $"TFRecord file {name}: truncated record header at byte {offset} (record {index}); the rest of the file is ignored.";
            if (!TryReadLength(header, stream.Length - offset - HeaderBytes, out var length, out var problem))
                return $"TFRecord file {name}: record {index} at byte {offset}: {problem}; the rest of the file is ignored.";
            if (buffer.Length < length + FooterBytes)
                buffer = new byte[length + FooterBytes];
            var body = buffer.AsSpan(0, length + FooterBytes);
            if (stream.ReadAtLeast(body, body.Length, throwOnEndOfStream: false) < body.Length)
                return $"TFRecord file {name}: record {index} at byte {offset} is truncated; the rest of the file is ignored.";
            var data = body[..length];
            var valid = BinaryPrimitives.ReadUInt32LittleEndian(body[length..]) == TfRecordChecksum.MaskedCrc32C(data);
            visitor(new TfRecordEntry(index, offset, length, valid), buffer);
            offset += HeaderBytes + length + FooterBytes;
            index++;
        }
    }

    /// <summary>
    /// Reads the data of the record at <paramref name="offset"/> again and checks its checksum; thread-safe.
    /// Throws <see cref="InvalidDataException"/> when the record no longer matches (a file changed or damaged since the scan).
    /// </summary>
    public static byte[] ReadRecord(string path, long offset, long index)
    {
        var name = Path.GetFileName(path);
        using SafeFileHandle handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        var header = new byte[HeaderBytes];
        ReadExactly(handle, header, offset, name, index);
        if (!TryReadLength(header, RandomAccess.GetLength(handle) - offset - HeaderBytes, out var length, out var problem))
            throw new InvalidDataException($"TFRecord record {index} of file {name}: {problem}");
        var body = new byte[length + FooterBytes];
        ReadExactly(handle, body, offset + HeaderBytes, name, index);
        var data = body.AsSpan(0, length);
        if (BinaryPrimitives.ReadUInt32LittleEndian(body.AsSpan(length)) != TfRecordChecksum.MaskedCrc32C(data))
            throw new InvalidDataException($"TFRecord record {index} of file {name}: data CRC mismatch");
        return data.ToArray();
    }

    private static bool TryReadLength(ReadOnlySpan<byte> header, long bytesLeft, out int length, out string? problem)
    {
        length = 0;
        problem = null;
        if (BinaryPrimitives.ReadUInt32LittleEndian(header[8..]) != TfRecordChecksum.MaskedCrc32C(header[..8]))
        {
            problem = "length CRC mismatch";
            return false;
        }
        var declared = BinaryPrimitives.ReadUInt64LittleEndian(header);
        if (declared > (ulong)Math.Max(0, bytesLeft - FooterBytes) || declared > (ulong)(Array.MaxLength - FooterBytes))
        {
            problem = $"length {declared} runs past the end of the file (truncated)";
            return false;
        }
        length = (int)declared;
        return true;
    }

    private static void ReadExactly(SafeFileHandle handle, Span<byte> buffer, long offset, string name, long index)
    {
        while (buffer.Length > 0)
        {
            var read = RandomAccess.Read(handle, buffer, offset);
            if (read == 0)
                throw new InvalidDataException($"TFRecord record {index} of file {name}: the file ends inside the record");
            buffer = buffer[read..];
            offset += read;
        }
    }
}
