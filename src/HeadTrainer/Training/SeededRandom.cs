namespace Graft.HeadTrainer.Training;

/// <summary>
/// A small, fast, reproducible random generator: xoshiro256** (Blackman and Vigna) seeded through SplitMix64, as the
/// authors recommend. Graft writes it out instead of using <see cref="Random"/> because the MLP draws a dropout mask
/// for every hidden unit of every example of every step (tens of millions of draws per run), and because the sequence
/// must stay the same across .NET versions for a seed to reproduce a run.
/// </summary>
internal sealed class SeededRandom
{
    private ulong _s0, _s1, _s2, _s3;

    public SeededRandom(long seed) => Reset(seed);

    /// <summary>Restarts the generator at <paramref name="seed"/> (no allocation: the MLP reseeds it per example).</summary>
    public void Reset(long seed)
    {
        var x = unchecked((ulong)seed);
        _s0 = SplitMix(ref x);
        _s1 = SplitMix(ref x);
        _s2 = SplitMix(ref x);
        _s3 = SplitMix(ref x);
    }

    /// <summary>A generator for a named purpose ("init", "shuffle", "dropout"): independent streams from one seed, so
    /// changing how many numbers one purpose draws does not shift the others.</summary>
    public static SeededRandom For(long seed, string purpose)
    {
        ulong h = 14695981039346656037; // FNV-1a 64 over the purpose name
        foreach (var c in purpose) h = (h ^ c) * 1099511628211;
        return new SeededRandom(unchecked(seed ^ (long)h));
    }

    /// <summary>A seed derived from a base seed and two counters (e.g. step and row), for counter-based streams whose
    /// numbers do not depend on which thread draws them or in which order.</summary>
    public static long Derive(long seed, long a, long b)
    {
        var x = unchecked((ulong)seed);
        var h = SplitMix(ref x) ^ unchecked((ulong)a);
        h = SplitMix(ref h) ^ unchecked((ulong)b);
        return unchecked((long)SplitMix(ref h));
    }

    public ulong NextUInt64()
    {
        var result = RotateLeft(_s1 * 5, 7) * 9;
        var t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1) with 24 random bits (every float32 step of that grid equally likely).</summary>
    public float NextSingle() => (NextUInt64() >> 40) * (1f / (1 << 24));

    /// <summary>Uniform integer in [0, n), without modulo bias (Lemire's multiply-and-reject).</summary>
    public int NextInt(int n)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        var bound = (ulong)n;
        while (true)
        {
            var r = NextUInt64() >> 32;
            var product = r * bound;
            var low = product & 0xFFFFFFFF;
            if (low >= (0x1_0000_0000UL - bound) % bound) return (int)(product >> 32);
        }
    }

    /// <summary>Fisher–Yates shuffle in place.</summary>
    public void Shuffle<T>(Span<T> items)
    {
        for (var i = items.Length - 1; i > 0; i--)
        {
            var j = NextInt(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    private static ulong RotateLeft(ulong x, int k) => (x << k) | (x >> (64 - k));

    private static ulong SplitMix(ref ulong x)
    {
        var z = x += 0x9E3779B97F4A7C15;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
        return z ^ (z >> 31);
    }
}
