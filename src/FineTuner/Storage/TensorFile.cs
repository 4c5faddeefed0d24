using System.Buffers.Binary;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Text;

namespace Graft.FineTuner.Storage;

/// <summary>
/// A small checksummed file of named float32 / int64 arrays with shapes — checkpoints, head weights, optimizer state.
/// Little-endian:
/// <code>
/// "GRAFTTF1" | u32 count | count × ( u16 name length | UTF-8 name | u8 kind (0 float32, 1 int64) | u8 rank
///            | rank × i64 dim | values ) | u64 XxHash3 of every byte before
/// </code>
/// Written to a temporary file, flushed, then renamed over the target, so a reader sees the old file or the new one,
/// never half of one; a damaged file fails its checksum and is reported, never half-loaded.
/// </summary>
public static class TensorFile
{
    private static ReadOnlySpan<byte> Magic => "GRAFTTF1"u8;

    /// <summary>Writes <paramref name="entries"/> atomically to <paramref name="path"/>.</summary>
    public static void Write(string path, IEnumerable<NamedArray> entries)
    {
        var list = entries.ToList();
        using var buffer = new MemoryStream();
        buffer.Write(Magic);
        Span<byte> scratch = stackalloc byte[8];
        BinaryPrimitives.WriteUInt32LittleEndian(scratch, (uint)list.Count);
        buffer.Write(scratch[..4]);
        foreach (var e in list)
        {
            var name = Encoding.UTF8.GetBytes(e.Name);
            BinaryPrimitives.WriteUInt16LittleEndian(scratch, checked((ushort)name.Length));
            buffer.Write(scratch[..2]);
            buffer.Write(name);
            buffer.WriteByte(e.Longs is null ? (byte)0 : (byte)1);
            buffer.WriteByte(checked((byte)e.Shape.Length));
            foreach (var d in e.Shape)
            {
                BinaryPrimitives.WriteInt64LittleEndian(scratch, d);
                buffer.Write(scratch);
            }
            if (e.Longs is not null) buffer.Write(MemoryMarshal.AsBytes(e.Longs.AsSpan()));
            else buffer.Write(MemoryMarshal.AsBytes(e.Floats!.AsSpan()));
        }
        BinaryPrimitives.WriteUInt64LittleEndian(scratch, XxHash3.HashToUInt64(buffer.GetBuffer().AsSpan(0, (int)buffer.Length)));
        buffer.Write(scratch);

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        AtomicFile.Write(path, tmp =>
        {
            using var file = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None);
            buffer.Position = 0;
            buffer.CopyTo(file);
            file.Flush(flushToDisk: true);
        });
    }

    /// <summary>Reads every entry. Throws <see cref="GraftException"/> for a missing, truncated or damaged file.</summary>
    public static IReadOnlyList<NamedArray> Read(string path)
    {
        if (!File.Exists(path)) throw new GraftException($"'{path}' does not exist.");
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 20 || !bytes.AsSpan(0, 8).SequenceEqual(Magic))
            throw new GraftException($"'{path}' is not a Graft tensor file.");
        var body = bytes.AsSpan(0, bytes.Length - 8);
        if (XxHash3.HashToUInt64(body) != BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(bytes.Length - 8)))
            throw new GraftException($"'{path}' is damaged (checksum mismatch).", "Delete it; the command that wrote it recreates it.");
        var pos = 8;
        var count = BinaryPrimitives.ReadUInt32LittleEndian(body[pos..]);
        pos += 4;
        var result = new List<NamedArray>((int)count);
        for (var i = 0; i < count; i++)
        {
            int nameLength = BinaryPrimitives.ReadUInt16LittleEndian(body[pos..]);
            pos += 2;
            var name = Encoding.UTF8.GetString(body.Slice(pos, nameLength));
            pos += nameLength;
            var kind = body[pos++];
            var rank = body[pos++];
            var shape = new long[rank];
            for (var d = 0; d < rank; d++, pos += 8) shape[d] = BinaryPrimitives.ReadInt64LittleEndian(body[pos..]);
            var n = (int)shape.Aggregate(1L, (a, b) => a * b);
            if (kind == 1)
            {
                result.Add(NamedArray.Of(name, MemoryMarshal.Cast<byte, long>(body.Slice(pos, n * 8)).ToArray(), shape));
                pos += n * 8;
            }
            else
            {
                result.Add(NamedArray.Of(name, MemoryMarshal.Cast<byte, float>(body.Slice(pos, n * 4)).ToArray(), shape));
                pos += n * 4;
            }
        }
        return result;
    }
}
