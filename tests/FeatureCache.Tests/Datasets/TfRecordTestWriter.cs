using System.Buffers.Binary;
using Google.Protobuf;

namespace Graft.FeatureCache.Datasets.Tests;

/// <summary>
/// Writes tf.train.Example records and TFRecord files the way TensorFlow does, for tests of the readers: Example{1:
/// Features{1: map entries {1: key, 2: Feature}}}, Feature {1: BytesList, 2: FloatList (packed), 3: Int64List (packed)},
/// framed as length (uint64 LE), masked CRC of the length, data, masked CRC of the data.
/// </summary>
internal static class TfRecordTestWriter
{
    /// <summary>A serialized Example; values are byte[] (BytesList), long (Int64List) or float (FloatList).</summary>
    public static byte[] Example(params (string Name, object Value)[] features) =>
        Message(o => Nested(o, 1, Message(f =>
        {
            foreach (var (name, value) in features)
                Nested(f, 1, Message(entry =>
                {
                    entry.WriteTag(1, WireFormat.WireType.LengthDelimited);
                    entry.WriteString(name);
                    Nested(entry, 2, Feature(value));
                }));
        })));

    /// <summary>An Example whose int64 label is written unpacked (one varint field), which parsers must accept too.</summary>
    public static byte[] ExampleWithUnpackedLabel(string name, long label) =>
        Message(o => Nested(o, 1, Message(f => Nested(f, 1, Message(entry =>
        {
            entry.WriteTag(1, WireFormat.WireType.LengthDelimited);
            entry.WriteString(name);
            Nested(entry, 2, Message(feature => Nested(feature, 3, Message(list =>
            {
                list.WriteTag(1, WireFormat.WireType.Varint);
                list.WriteInt64(label);
            }))));
        })))));

    /// <summary>One framed record.</summary>
    public static byte[] Frame(byte[] data)
    {
        var framed = new byte[12 + data.Length + 4];
        BinaryPrimitives.WriteUInt64LittleEndian(framed, (ulong)data.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(framed.AsSpan(8), TfRecordChecksum.MaskedCrc32C(framed.AsSpan(0, 8)));
        data.CopyTo(framed, 12);
        BinaryPrimitives.WriteUInt32LittleEndian(framed.AsSpan(12 + data.Length), TfRecordChecksum.MaskedCrc32C(data));
        return framed;
    }

    /// <summary>Writes records to a TFRecord file; returns each record's byte offset.</summary>
    public static long[] WriteFile(string path, IEnumerable<byte[]> records)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var file = File.Create(path);
        var offsets = new List<long>();
        foreach (var record in records)
        {
            offsets.Add(file.Position);
            file.Write(Frame(record));
        }
        return offsets.ToArray();
    }

    private static byte[] Feature(object value) => value switch
    {
        byte[] bytes => Message(f => Nested(f, 1, Message(list =>
        {
            list.WriteTag(1, WireFormat.WireType.LengthDelimited);
            list.WriteBytes(ByteString.CopyFrom(bytes));
        }))),
        long number => Message(f => Nested(f, 3, Message(list => Nested(list, 1, Message(p => p.WriteInt64(number)))))),
        int number => Feature((long)number),
        float number => Message(f => Nested(f, 2, Message(list => Nested(list, 1, Message(p => p.WriteFloat(number)))))),
        _ => throw new ArgumentException($"Unsupported feature value {value.GetType()}."),
    };

    private static void Nested(CodedOutputStream output, int field, byte[] message)
    {
        output.WriteTag(field, WireFormat.WireType.LengthDelimited);
        output.WriteBytes(ByteString.CopyFrom(message));
    }

    private static byte[] Message(Action<CodedOutputStream> write)
    {
        using var stream = new MemoryStream();
        using (var output = new CodedOutputStream(stream, leaveOpen: true))
        {
            write(output);
            output.Flush();
        }
        return stream.ToArray();
    }
}
