using Google.Protobuf;

namespace Graft.FeatureCache.Datasets;

/// <summary>
/// Reads single features out of a serialized <c>tf.train.Example</c> (tensorflow/core/example/example.proto,
/// feature.proto) without generated code:
/// Example{1: Features}; Features{1: map&lt;string, Feature&gt;} (entries: key = 1, value = 2);
/// Feature oneof {1: BytesList{1: repeated bytes}, 2: FloatList{1: packed float}, 3: Int64List{1: packed int64}}.
/// Nested messages are read in place (no copies) by slicing the record buffer. Malformed input throws
/// <see cref="InvalidProtocolBufferException"/>.
/// </summary>
internal static class TfExampleParser
{
    private readonly record struct Slice(byte[] Buffer, int Offset, int Length);

    private const int BytesListField = 1;
    private const int Int64ListField = 3;

    /// <summary>The first value of the int64 feature <paramref name="name"/>, or null when it is absent or of another kind.</summary>
    public static long? GetInt64(byte[] record, int length, string name)
    {
        if (FindFeature(record, length, name) is not { } feature || FindField(feature, Int64ListField) is not { } list)
            return null;
        var input = new CodedInputStream(list.Buffer, list.Offset, list.Length);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (WireFormat.GetTagFieldNumber(tag) != 1) { input.SkipLastField(); continue; }
            if (WireFormat.GetTagWireType(tag) == WireFormat.WireType.Varint) return input.ReadInt64();
            var packed = input.ReadBytes();   // packed int64 values; only the first is wanted
            if (!packed.IsEmpty) return packed.CreateCodedInput().ReadInt64();
        }
        return null;
    }

    /// <summary>The first value of the bytes feature <paramref name="name"/>, or null when it is absent or of another kind.</summary>
    public static byte[]? GetBytes(byte[] record, int length, string name)
    {
        if (FindFeature(record, length, name) is not { } feature || FindField(feature, BytesListField) is not { } list)
            return null;
        return FindField(list, 1) is { } value ? value.Buffer.AsSpan(value.Offset, value.Length).ToArray() : null;
    }

    /// <summary>The feature names of a record, for error messages.</summary>
    public static IReadOnlyList<string> FeatureNames(byte[] record, int length)
    {
        var names = new List<string>();
        if (FindField(new Slice(record, 0, length), 1) is not { } features) return names;
        foreach (var entry in Fields(features, 1))
            if (FindField(entry, 1) is { } key)
                names.Add(System.Text.Encoding.UTF8.GetString(key.Buffer, key.Offset, key.Length));
        return names;
    }

    private static Slice? FindFeature(byte[] record, int length, string name)
    {
        if (FindField(new Slice(record, 0, length), 1) is not { } features) return null;
        var key = System.Text.Encoding.UTF8.GetBytes(name);
        Slice? found = null;
        foreach (var entry in Fields(features, 1))
        {
            // Protobuf map semantics: the last entry for a key wins.
            if (FindField(entry, 1) is { } k && k.Buffer.AsSpan(k.Offset, k.Length).SequenceEqual(key))
                found = FindField(entry, 2) ?? new Slice(record, 0, 0);
        }
        return found;
    }

    /// <summary>The last length-delimited occurrence of <paramref name="field"/> (protobuf: last one wins for messages).</summary>
    private static Slice? FindField(Slice message, int field)
    {
        Slice? last = null;
        foreach (var slice in Fields(message, field)) last = slice;
        return last;
    }

    /// <summary>Every length-delimited occurrence of <paramref name="field"/> in <paramref name="message"/>, in order.</summary>
    private static IEnumerable<Slice> Fields(Slice message, int field)
    {
        var input = new CodedInputStream(message.Buffer, message.Offset, message.Length);
        // Position counts from the start of the array or of the slice depending on the library version; work relative.
        var start = input.Position;
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (WireFormat.GetTagFieldNumber(tag) != field || WireFormat.GetTagWireType(tag) != WireFormat.WireType.LengthDelimited)
            {
                input.SkipLastField();
                continue;
            }
            var fieldStart = message.Offset + (int)(input.Position - start);
            input.SkipLastField();
            var fieldBytes = message.Offset + (int)(input.Position - start) - fieldStart;
            yield return Payload(message.Buffer, fieldStart, fieldBytes);
        }
    }

    /// <summary>The payload of a length-delimited field whose length prefix starts at <paramref name="offset"/>.</summary>
    private static Slice Payload(byte[] buffer, int offset, int bytes)
    {
        var prefix = new CodedInputStream(buffer, offset, bytes);
        var before = prefix.Position;
        var length = prefix.ReadLength();
        var prefixBytes = (int)(prefix.Position - before);
        return new Slice(buffer, offset + prefixBytes, length);
    }
}
