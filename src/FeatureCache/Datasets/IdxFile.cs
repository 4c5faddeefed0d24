using System.Buffers.Binary;
using System.IO.Compression;

namespace Graft.FeatureCache.Datasets;

/// <summary>
/// One IDX file (the MNIST format, <c>yann.lecun.com/exdb/mnist</c>): a 4-byte magic <c>00 00 type dims</c>, then one
/// big-endian uint32 per dimension, then the data row-major. Only unsigned bytes (type 0x08) are read, which is what
/// MNIST and Fashion-MNIST use. Gzip is recognised by its magic bytes, not the file name.
/// </summary>
internal sealed class IdxFile
{
    /// <summary>Magic of an images file: unsigned bytes, 3 dimensions (count, rows, columns).</summary>
    public const uint ImagesMagic = 0x00000803;

    /// <summary>Magic of a labels file: unsigned bytes, 1 dimension (count).</summary>
    public const uint LabelsMagic = 0x00000801;

    private IdxFile(string path, int[] dimensions)
    {
        Path = path;
        Dimensions = dimensions;
    }

    public string Path { get; }

    public string FileName => System.IO.Path.GetFileName(Path);

    /// <summary>Sizes from the header; [count] for labels, [count, rows, columns] for images.</summary>
    public IReadOnlyList<int> Dimensions { get; }

    public int HeaderBytes => 4 + 4 * Dimensions.Count;

    /// <summary>Bytes of data the header promises.</summary>
    public long DataBytes => Dimensions.Aggregate(1L, (product, d) => product * d);

    /// <summary>Reads and checks the header; a wrong magic is a user mistake (wrong file), so it throws GraftException.</summary>
    public static IdxFile OpenHeader(string path, uint expectedMagic)
    {
        var kind = expectedMagic == ImagesMagic ? "images" : "labels";
        var dims = (int)(expectedMagic & 0xFF);
        Span<byte> header = stackalloc byte[4 + 4 * 3];
        int read;
        try
        {
            using var stream = OpenData(path);
            read = stream.ReadAtLeast(header[..(4 + 4 * dims)], 4 + 4 * dims, throwOnEndOfStream: false);
        }
        catch (InvalidDataException e)
        {
            throw new GraftException($"'{path}' is not a readable gzip file: {e.Message}", "The download is damaged; fetch it again.", e);
        }
        var magic = read >= 4 ? BinaryPrimitives.ReadUInt32BigEndian(header) : 0;
        if (read < 4 + 4 * dims || magic != expectedMagic)
            throw new GraftException(
                $"'{path}' is not an IDX {kind} file (magic 0x{magic:X8}, expected 0x{expectedMagic:X8}).",
                "Use the original MNIST-format files (train-/t10k-images-idx3-ubyte, -labels-idx1-ubyte, optionally .gz).");
        var sizes = new int[dims];
        for (var i = 0; i < dims; i++)
        {
            var size = BinaryPrimitives.ReadUInt32BigEndian(header[(4 + 4 * i)..]);
            if (size > int.MaxValue)
                throw new GraftException($"'{path}' has an implausible IDX dimension {size}.", "The file is damaged; download it again.");
            sizes[i] = (int)size;
        }
        return new IdxFile(path, sizes);
    }

    /// <summary>
    /// The data after the header, decompressed. Throws <see cref="InvalidDataException"/> when the file holds fewer bytes
    /// than its header promises (a truncated download).
    /// </summary>
    public byte[] ReadData()
    {
        if (DataBytes > Array.MaxLength)
            throw new InvalidDataException($"IDX file {FileName} is too large ({DataBytes} bytes of data).");
        using var stream = OpenData(Path);
        var skip = new byte[HeaderBytes];
        stream.ReadExactly(skip);
        var data = new byte[DataBytes];
        var read = stream.ReadAtLeast(data, data.Length, throwOnEndOfStream: false);
        if (read < data.Length)
            throw new InvalidDataException($"IDX file {FileName} holds {read} bytes of data, its header says {data.Length}.");
        return data;
    }

    private static Stream OpenData(string path)
    {
        FileNode.RequireRegularFile(path, "IDX file");
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        Span<byte> magic = stackalloc byte[2];
        var isGzip = file.Read(magic) == 2 && magic[0] == 0x1F && magic[1] == 0x8B;
        file.Position = 0;
        return isGzip ? new GZipStream(file, CompressionMode.Decompress) : file;
    }
}
