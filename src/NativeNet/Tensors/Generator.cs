namespace NativeNet;

/// <summary>
/// A seeded pseudo-random generator (xoshiro256** seeded through SplitMix64): uniform floats,
/// normals by Box–Muller, Bernoulli draws. The same seed gives the same stream on every platform
/// and .NET version. Not thread-safe: use one per thread. <see cref="Default"/> is what layers use
/// for initialization and dropout unless given another; <see cref="ManualSeed"/> reseeds it.
/// </summary>
public sealed class Generator
{
    private ulong _s0, _s1, _s2, _s3;
    private double _spare;
    private bool _hasSpare;

    /// <summary>A generator seeded with <paramref name="seed"/>.</summary>
    public Generator(ulong seed) => Seed(seed);

    /// <summary>A generator seeded from the clock and a counter.</summary>
    public Generator() : this((ulong)Environment.TickCount64 ^ (ulong)Interlocked.Increment(ref _counter) * 0x9E3779B97F4A7C15UL) { }

    private static long _counter;

    [ThreadStatic] private static Generator? _default;

    /// <summary>The per-thread default generator.</summary>
    public static Generator Default => _default ??= new Generator(0x5EED);

    /// <summary>Reseeds the default generator of this thread (like torch.manual_seed).</summary>
    public static void ManualSeed(ulong seed) => Default.Seed(seed);

    /// <summary>Restarts this generator's stream from <paramref name="seed"/>.</summary>
    public void Seed(ulong seed)
    {
        ulong x = seed;
        _s0 = SplitMix(ref x); _s1 = SplitMix(ref x); _s2 = SplitMix(ref x); _s3 = SplitMix(ref x);
        _hasSpare = false;
    }

    private static ulong SplitMix(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>The next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        ulong result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0; _s3 ^= _s1; _s1 ^= _s2; _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [low, high).</summary>
    public float NextUniform(float low, float high) => (float)(low + (high - low) * NextDouble());

    /// <summary>Uniform integer in [0, n).</summary>
    public int NextInt(int n)
    {
        if (n <= 0) throw new ArgumentOutOfRangeException(nameof(n), n, $"n must be positive. Received: n={n}");
        return (int)(NextDouble() * n);
    }

    /// <summary>Standard normal by the Box–Muller transform (pairs cached).</summary>
    public double NextNormal()
    {
        if (_hasSpare) { _hasSpare = false; return _spare; }
        double u1;
        do u1 = NextDouble(); while (u1 <= double.Epsilon);
        double u2 = NextDouble();
        double r = Math.Sqrt(-2.0 * Math.Log(u1));
        _spare = r * Math.Sin(2 * Math.PI * u2);
        _hasSpare = true;
        return r * Math.Cos(2 * Math.PI * u2);
    }

    /// <summary>Fills <paramref name="dst"/> uniformly in [low, high).</summary>
    public void FillUniform(Span<float> dst, float low, float high)
    {
        for (int i = 0; i < dst.Length; i++) dst[i] = NextUniform(low, high);
    }

    /// <summary>Fills <paramref name="dst"/> with normal(mean, std) draws.</summary>
    public void FillNormal(Span<float> dst, float mean, float std)
    {
        for (int i = 0; i < dst.Length; i++) dst[i] = (float)(mean + std * NextNormal());
    }

    /// <summary>Fills <paramref name="dst"/> with 1 (probability p) or 0.</summary>
    public void FillBernoulli(Span<float> dst, double p)
    {
        if (p < 0 || p > 1) throw new ArgumentOutOfRangeException(nameof(p), p, $"p must be in [0, 1]. Received: p={p}");
        for (int i = 0; i < dst.Length; i++) dst[i] = NextDouble() < p ? 1f : 0f;
    }

    /// <summary>A random permutation of 0..n−1 (Fisher–Yates).</summary>
    public int[] Permutation(int n)
    {
        var p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        for (int i = n - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (p[i], p[j]) = (p[j], p[i]);
        }
        return p;
    }
    /// <summary>The complete state (xoshiro words, cached normal), for checkpoints: restoring it with <see cref="SetState"/> resumes the exact stream.</summary>
    public ulong[] GetState() => [_s0, _s1, _s2, _s3, BitConverter.DoubleToUInt64Bits(_spare), _hasSpare ? 1UL : 0UL];

    /// <summary>Restores a state returned by <see cref="GetState"/>.</summary>
    /// <exception cref="ArgumentException">The state does not have 6 words, its flag is not 0/1, or its xoshiro words are all zero.</exception>
    public void SetState(ReadOnlySpan<ulong> state)
    {
        if (state.Length != 6 || state[5] > 1 || (state[0] | state[1] | state[2] | state[3]) == 0)
            throw new ArgumentException($"A generator state has 6 words (4 non-zero xoshiro words, the cached normal, a 0/1 flag). Received: {state.Length} words", nameof(state));
        _s0 = state[0]; _s1 = state[1]; _s2 = state[2]; _s3 = state[3];
        _spare = BitConverter.UInt64BitsToDouble(state[4]);
        _hasSpare = state[5] == 1;
    }
}
