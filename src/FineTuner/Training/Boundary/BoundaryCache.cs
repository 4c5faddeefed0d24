using System.Buffers.Binary;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Graft.FeatureCache.Store;
using Graft.FineTuner.Training.Optimization;
using Graft.FineTuner.Training;

namespace Graft.FineTuner.Training.Boundary;

/// <summary>
/// Activations at the freeze boundary, computed once per image and kept on disk so each fine-tuning epoch runs only
/// the trainable top. Layout: <c>ROOT/&lt;key id&gt;/key.json</c> (the <see cref="BoundaryKey"/> and the per-image
/// shape of every boundary value) and one file per image <c>ROOT/&lt;key id&gt;/&lt;hh&gt;/&lt;content hash&gt;.gba</c>:
/// <code>
/// "GRAFTBA1" | 16 ASCII bytes key id | u32 value count | values in the key's dtype, float32 or float16 (boundary
///            values one after another, each C-order)
///            | u64 XxHash3 of every byte before
/// </code>
/// Files are written to a temporary name and renamed, so a killed run leaves whole files or none; a file that fails
/// its checksum is treated as missing and computed again. One file per image keeps reads random-access for shuffled
/// batches and lets any number of runs share the folder.
/// </summary>
public sealed class BoundaryCache
{
    private const string KeyFile = "key.json";
    private static ReadOnlySpan<byte> Magic => "GRAFTBA1"u8;
    private const int HeaderSize = 8 + 16 + 4;

    private BoundaryCache(string directory, BoundaryKey key, IReadOnlyList<long[]>? shapes)
    {
        Directory = directory;
        Key = key;
        Shapes = shapes;
    }

    public string Directory { get; }

    public BoundaryKey Key { get; }

    /// <summary>Per boundary value, its shape for one image (no batch dimension); null until the first image is stored.</summary>
    public IReadOnlyList<long[]>? Shapes { get; private set; }

    /// <summary>Floats stored per image (0 until shapes are known).</summary>
    public int FloatsPerImage => Shapes is null ? 0 : (int)Shapes.Sum(s => s.Aggregate(1L, (a, b) => a * b));

    /// <summary>Opens (creating if needed) the cache folder for <paramref name="key"/> under <paramref name="root"/>.</summary>
    public static BoundaryCache Open(string root, BoundaryKey key)
    {
        var dir = Path.Combine(Path.GetFullPath(root), key.Id);
        System.IO.Directory.CreateDirectory(dir);
        var file = Path.Combine(dir, KeyFile);
        IReadOnlyList<long[]>? shapes = null;
        if (File.Exists(file))
        {
            var stored = JsonSerializer.Deserialize<KeyJson>(File.ReadAllText(file))
                ?? throw new GraftException($"'{file}' is empty.", "Delete the folder; it is recomputed.");
            if (stored.Canonical != key.CanonicalText())
                throw new GraftException($"Boundary cache '{dir}' was made for another model or cut point.", "Delete the folder; it is recomputed.");
            shapes = stored.Shapes;
        }
        return new BoundaryCache(dir, key, shapes);
    }

    /// <summary>Records the per-image shapes on first use; later calls must agree.</summary>
    public void SetShapes(IReadOnlyList<long[]> shapes)
    {
        if (Shapes is not null)
        {
            if (Shapes.Count != shapes.Count || Shapes.Zip(shapes).Any(p => !p.First.SequenceEqual(p.Second)))
                throw new GraftException($"Boundary cache '{Directory}' holds activations of another shape.", "Delete the folder; it is recomputed.");
            return;
        }
        var file = Path.Combine(Directory, KeyFile);
        AtomicFile.WriteAllText(file, JsonSerializer.Serialize(new KeyJson(Key.CanonicalText(), shapes.ToArray())));
        Shapes = shapes;
    }

    private string PathOf(ContentHash hash)
    {
        var hex = hash.ToString();
        return Path.Combine(Directory, hex[..2], hex + ".gba");
    }

    public bool Contains(ContentHash hash) => File.Exists(PathOf(hash));

    /// <summary>Stores one image's activations (<see cref="FloatsPerImage"/> floats, boundary values concatenated).</summary>
    public void Write(ContentHash hash, ReadOnlySpan<float> values)
    {
        if (values.Length != FloatsPerImage) throw new ArgumentException($"Expected {FloatsPerImage} floats, got {values.Length}.", nameof(values));
        var size = Key.DType.ByteSize();
        var bytes = new byte[HeaderSize + values.Length * size + 8];
        Magic.CopyTo(bytes);
        Encoding.ASCII.GetBytes(Key.Id, bytes.AsSpan(8, 16));
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(24), values.Length);
        var payload = bytes.AsSpan(HeaderSize, values.Length * size);
        if (Key.DType == FeatureDType.Float16)
            System.Numerics.Tensors.TensorPrimitives.ConvertToHalf(values, MemoryMarshal.Cast<byte, Half>(payload));
        else
            MemoryMarshal.AsBytes(values).CopyTo(payload);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(bytes.Length - 8), XxHash3.HashToUInt64(bytes.AsSpan(0, bytes.Length - 8)));
        var path = PathOf(hash);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        AtomicFile.WriteAllBytes(path, bytes);
    }

    /// <summary>Reads one image's activations into <paramref name="destination"/>; false when absent or damaged.</summary>
    public bool TryRead(ContentHash hash, Span<float> destination)
    {
        var path = PathOf(hash);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (FileNotFoundException) { return false; }
        catch (DirectoryNotFoundException) { return false; }
        var size = Key.DType.ByteSize();
        if (bytes.Length != HeaderSize + destination.Length * size + 8 || !bytes.AsSpan(0, 8).SequenceEqual(Magic)
            || BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(24)) != destination.Length
            || XxHash3.HashToUInt64(bytes.AsSpan(0, bytes.Length - 8)) != BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(bytes.Length - 8)))
            return false;
        var payload = bytes.AsSpan(HeaderSize, destination.Length * size);
        if (Key.DType == FeatureDType.Float16)
            System.Numerics.Tensors.TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<byte, Half>(payload), destination);
        else
            MemoryMarshal.Cast<byte, float>(payload).CopyTo(destination);
        return true;
    }

    private sealed record KeyJson(string Canonical, long[][] Shapes);
}
