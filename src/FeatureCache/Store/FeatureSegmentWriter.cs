using System.Runtime.InteropServices;

namespace Graft.FeatureCache.Store;

/// <summary>
/// Appends blocks of (content hash, features) to a new segment file owned by this process alone, so any number of
/// processes or machines can fill one feature set side by side. Each <see cref="Append"/> is one block, written and
/// flushed to disk before it returns: a kill loses at most the block being written.
/// </summary>
public sealed class FeatureSegmentWriter : IDisposable
{
    private readonly FileStream _stream;
    private readonly int _dim;
    private readonly FeatureDType _dtype;
    private readonly bool _flushToDisk;
    private byte[] _buffer = [];
    private long _committedLength;

    internal FeatureSegmentWriter(string path, string setId, int dim, FeatureDType dtype, bool flushToDisk, Func<string, FileStream>? open = null)
    {
        Path = path;
        _dim = dim;
        _dtype = dtype;
        _flushToDisk = flushToDisk;
        _stream = open?.Invoke(path) ?? new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read, 1);
        Span<byte> header = stackalloc byte[SegmentFormat.HeaderSize];
        SegmentFormat.WriteHeader(header, setId, dim, dtype);
        try
        {
            Commit(header);
        }
        catch
        {
            // A segment whose header did not land (a full disk) holds nothing: remove it rather than leave an empty file.
            _stream.Dispose();
            try { File.Delete(path); } catch (IOException) { }
            throw;
        }
    }

    public string Path { get; }

    /// <summary>Records appended so far.</summary>
    public long Count { get; private set; }

    /// <summary>
    /// Appends <paramref name="hashes"/>.Length records: hash i (32 bytes) with features [i·dim, (i+1)·dim) of
    /// <paramref name="features"/>. On an I/O failure (a full disk) the partial block is cut off again, so the file
    /// stays a valid segment holding every earlier block, and the exception propagates.
    /// </summary>
    public void Append(ReadOnlySpan<byte> hashes, ReadOnlySpan<float> features)
    {
        var count = hashes.Length / SegmentFormat.HashSize;
        if (hashes.Length != count * SegmentFormat.HashSize || features.Length != count * _dim)
            throw new ArgumentException($"{count} hashes need {count * _dim} feature values, got {features.Length}.");
        if (count == 0) return;
        var recordSize = SegmentFormat.RecordSize(_dim, _dtype);
        var total = SegmentFormat.BlockHeaderSize + count * recordSize;
        if (_buffer.Length < total) _buffer = new byte[total];
        var payload = _buffer.AsSpan(SegmentFormat.BlockHeaderSize, count * recordSize);
        for (var i = 0; i < count; i++)
        {
            var record = payload.Slice(i * recordSize, recordSize);
            hashes.Slice(i * SegmentFormat.HashSize, SegmentFormat.HashSize).CopyTo(record);
            var values = features.Slice(i * _dim, _dim);
            var dst = record[SegmentFormat.HashSize..];
            if (_dtype == FeatureDType.Float32)
                MemoryMarshal.AsBytes(values).CopyTo(dst);
            else
                System.Numerics.Tensors.TensorPrimitives.ConvertToHalf(values, MemoryMarshal.Cast<byte, Half>(dst));
        }
        SegmentFormat.WriteBlockHeader(_buffer, count, payload);
        Commit(_buffer.AsSpan(0, total));
        Count += count;
    }

    private void Commit(ReadOnlySpan<byte> bytes)
    {
        try
        {
            if (WriteFaults.Check(Path) is { } fault)
            {
                _stream.Write(bytes[..(bytes.Length / 2)]); // torn: what a full disk leaves
                _stream.Flush();
                throw fault;
            }
            _stream.Write(bytes);
            _stream.Flush(_flushToDisk);
            _committedLength += bytes.Length;
        }
        catch (IOException)
        {
            TryTruncate();
            throw;
        }
    }

    private void TryTruncate()
    {
        try
        {
            _stream.SetLength(_committedLength);
            _stream.Flush(_flushToDisk);
        }
        catch (IOException)
        {
            // Readers treat the partial block as a torn tail anyway; nothing more to do.
        }
    }

    public void Dispose()
    {
        try
        {
            _stream.Dispose();
        }
        catch (IOException)
        {
            // The buffered bytes were already flushed block by block; a failing close loses nothing committed.
        }
        if (Count == 0 && _committedLength <= SegmentFormat.HeaderSize)
        {
            try { File.Delete(Path); } catch (IOException) { }
        }
    }
}
