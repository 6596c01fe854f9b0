using System.Runtime.InteropServices;

namespace NativeNet.Onnx.Engine;

/// <summary>
/// The steps for one set of input shapes and the arena they run in: every intermediate value has
/// a fixed offset in one 64-byte-aligned native block, reused across values whose lifetimes do not
/// overlap. Made once per input shape; every later call with those shapes reuses it unchanged.
/// </summary>
internal sealed unsafe class ExecutionPlan : IDisposable
{
    private readonly nint _arena;

    public ExecutionPlan(long[][] inputShapes, Step[] steps, long[][] slotShapes, long[] slotOffsets, long arenaBytes,
        int[] inputSlots, OutputBinding[] outputs, long unsharedBytes)
    {
        UnsharedBytes = unsharedBytes;
        InputShapes = inputShapes;
        Steps = steps;
        SlotShapes = slotShapes;
        InputSlots = inputSlots;
        Outputs = outputs;
        ArenaBytes = arenaBytes;
        _arena = (nint)NativeMemory.AlignedAlloc((nuint)Math.Max(arenaBytes, 64), 64);
        if (arenaBytes > 0) GC.AddMemoryPressure(arenaBytes);
        Pointers = new nint[slotOffsets.Length];
        for (int i = 0; i < slotOffsets.Length; i++) Pointers[i] = _arena + (nint)slotOffsets[i];
    }

    public long[][] InputShapes { get; }
    public Step[] Steps { get; }
    public long[][] SlotShapes { get; }
    public int[] InputSlots { get; }
    public OutputBinding[] Outputs { get; }
    public long ArenaBytes { get; }

    /// <summary>What the values would take with a buffer each (no reuse): the plan's saving is this minus <see cref="ArenaBytes"/>.</summary>
    public long UnsharedBytes { get; }
    public nint[] Pointers { get; }

    public float* F(int slot) => (float*)Pointers[slot];

    public bool Matches(ReadOnlySpan<long[]> shapes)
    {
        if (shapes.Length != InputShapes.Length) return false;
        for (int i = 0; i < shapes.Length; i++)
            if (!shapes[i].AsSpan().SequenceEqual(InputShapes[i])) return false;
        return true;
    }

    private bool _disposed;

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        NativeMemory.AlignedFree((void*)_arena);
        if (ArenaBytes > 0) GC.RemoveMemoryPressure(ArenaBytes);
        foreach (var s in Steps) (s as IDisposable)?.Dispose();
    }
}

/// <summary>Where a graph output lives after a run: an arena slot, or a value known at plan time.</summary>
internal sealed record OutputBinding(string Name, long[] Shape, int Slot, float[]? Static);
