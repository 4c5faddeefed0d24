namespace Graft.FineTuner.Storage;

/// <summary>One named array of a <see cref="TensorFile"/>: float32 or int64 values with a shape (row-major).</summary>
public sealed class NamedArray
{
    private NamedArray(string name, long[] shape, float[]? floats, long[]? longs)
    {
        Name = name;
        Shape = shape;
        Floats = floats;
        Longs = longs;
    }

    public string Name { get; }
    public long[] Shape { get; }
    public float[]? Floats { get; }
    public long[]? Longs { get; }

    public static NamedArray Of(string name, float[] values, params long[] shape) => new(name, Check(shape, values.Length), values, null);

    public static NamedArray Of(string name, long[] values, params long[] shape) => new(name, Check(shape, values.Length), null, values);

    private static long[] Check(long[] shape, int length) =>
        shape.Aggregate(1L, (a, b) => a * b) == length ? shape : throw new ArgumentException($"Shape [{string.Join(',', shape)}] does not hold {length} values.");
}
