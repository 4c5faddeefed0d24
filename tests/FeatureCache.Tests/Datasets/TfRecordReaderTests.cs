using System.Text;

namespace Graft.FeatureCache.Datasets.Tests;

public sealed class TfRecordReaderTests
{
    [Fact]
    public void Crc32C_KnownVectors_MatchReference()
    {
        Assert.Equal(0xE3069283u, TfRecordChecksum.Crc32C("123456789"u8));
        // tensorflow/core/lib/hash/crc32c_test.cc (from RFC 3720 B.4)
        Assert.Equal(0x8a9136aau, TfRecordChecksum.Crc32C(new byte[32]));
        Assert.Equal(0x62a8ab43u, TfRecordChecksum.Crc32C(Enumerable.Repeat((byte)0xFF, 32).ToArray()));
        Assert.Equal(0x46dd794eu, TfRecordChecksum.Crc32C(Enumerable.Range(0, 32).Select(i => (byte)i).ToArray()));
        Assert.Equal(0u, TfRecordChecksum.Crc32C([]));
    }

    [Fact]
    public void Mask_KnownValues_MatchFormula()
    {
        Assert.Equal(0xa282ead8u, TfRecordChecksum.Mask(0));
        Assert.Equal(0xC78AB0E5u, TfRecordChecksum.MaskedCrc32C("123456789"u8));
        Assert.Equal(0xE3069283u, TfRecordChecksum.Unmask(0xC78AB0E5u));
        // The length header of a 5-byte record, as TensorFlow writes it.
        Assert.Equal(0x3e04b2eau, TfRecordChecksum.MaskedCrc32C(BitConverter.GetBytes(5UL)));
    }

    [Fact]
    public void Scan_WrittenRecords_RoundTripsOffsetsAndData()
    {
        using var dir = new TempDir();
        byte[][] records = [[], [42], Enumerable.Range(0, 100_000).Select(i => (byte)i).ToArray(), "last"u8.ToArray()];
        var path = dir["r.tfrecord"];
        var offsets = TfRecordTestWriter.WriteFile(path, records);

        var seen = new List<(TfRecordEntry Entry, byte[] Data)>();
        var problem = TfRecordReader.Scan(path, (in TfRecordEntry e, byte[] buffer) => seen.Add((e, buffer.AsSpan(0, e.Length).ToArray())));

        Assert.Null(problem);
        Assert.Equal(offsets, seen.Select(s => s.Entry.Offset));
        Assert.Equal([0L, 1, 2, 3], seen.Select(s => s.Entry.Index));
        Assert.All(seen, s => Assert.True(s.Entry.DataCrcValid));
        Assert.Equal(records, seen.Select(s => s.Data));
        Assert.Equal(records[2], TfRecordReader.ReadRecord(path, offsets[2], 2));
        Assert.Equal(records[0], TfRecordReader.ReadRecord(path, offsets[0], 0));
    }

    [Fact]
    public void Scan_CorruptDataByte_FlagsOnlyThatRecord()
    {
        using var dir = new TempDir();
        var path = dir["r.tfrecord"];
        var offsets = TfRecordTestWriter.WriteFile(path, [[1, 2, 3], [4, 5, 6], [7, 8, 9]]);
        var bytes = File.ReadAllBytes(path);
        bytes[offsets[1] + 12 + 1] ^= 0xFF;
        File.WriteAllBytes(path, bytes);

        var valid = new List<bool>();
        Assert.Null(TfRecordReader.Scan(path, (in TfRecordEntry e, byte[] _) => valid.Add(e.DataCrcValid)));

        Assert.Equal([true, false, true], valid);
        var e = Assert.Throws<InvalidDataException>(() => TfRecordReader.ReadRecord(path, offsets[1], 1));
        Assert.Equal("TFRecord record 1 of file r.tfrecord: data CRC mismatch", e.Message);
    }

    [Fact]
    public void Scan_TruncatedTail_StopsWithProblem()
    {
        using var dir = new TempDir();
        var path = dir["r.tfrecord"];
        TfRecordTestWriter.WriteFile(path, [[1, 2, 3], new byte[50]]);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^10]);

        var count = 0;
        var problem = TfRecordReader.Scan(path, (in TfRecordEntry _, byte[] _) => count++);

        Assert.Equal(1, count);
        Assert.Contains("record 1", problem);
        Assert.Contains("truncated", problem);
    }

    [Fact]
    public void Scan_CorruptLengthCrc_StopsWithProblem()
    {
        using var dir = new TempDir();
        var path = dir["r.tfrecord"];
        var offsets = TfRecordTestWriter.WriteFile(path, [[1], [2], [3]]);
        var bytes = File.ReadAllBytes(path);
        bytes[offsets[2] + 9] ^= 0x01;
        File.WriteAllBytes(path, bytes);

        var count = 0;
        var problem = TfRecordReader.Scan(path, (in TfRecordEntry _, byte[] _) => count++);

        Assert.Equal(2, count);
        Assert.Contains("record 2", problem);
        Assert.Contains("length CRC mismatch", problem);
    }

    [Fact]
    public void Example_WrittenFeatures_ReadBack()
    {
        var image = TestImages.Png(3);
        var record = TfRecordTestWriter.Example(("image", image), ("label", -5L), ("score", 0.5f), ("file_name", "a.jpg"u8.ToArray()));

        Assert.Equal(image, TfExampleParser.GetBytes(record, record.Length, "image"));
        Assert.Equal(-5L, TfExampleParser.GetInt64(record, record.Length, "label"));
        Assert.Null(TfExampleParser.GetInt64(record, record.Length, "image"));      // bytes, not int64
        Assert.Null(TfExampleParser.GetBytes(record, record.Length, "missing"));
        Assert.Equal(["image", "label", "score", "file_name"], TfExampleParser.FeatureNames(record, record.Length));
    }

    [Fact]
    public void Example_UnpackedInt64_ReadBack()
    {
        var record = TfRecordTestWriter.ExampleWithUnpackedLabel("label", 101);
        Assert.Equal(101L, TfExampleParser.GetInt64(record, record.Length, "label"));
    }

    [Fact]
    public void Example_RecordInsideLargerBuffer_UsesOnlyGivenLength()
    {
        var record = TfRecordTestWriter.Example(("label", 7L));
        var buffer = record.Concat(Encoding.ASCII.GetBytes("garbage after the record")).ToArray();
        Assert.Equal(7L, TfExampleParser.GetInt64(buffer, record.Length, "label"));
    }
}
