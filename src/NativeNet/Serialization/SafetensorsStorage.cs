using System.IO.MemoryMappedFiles;

namespace NativeNet.Serialization;

/// <summary>The bytes behind a <see cref="SafetensorsFile"/>: an array or a read-only mapping.</summary>
internal abstract class SafetensorsStorage : IDisposable
{
    public abstract long Length { get; }

    /// <summary>A view of <paramref name="length"/> bytes; callers have validated the range.</summary>
    public abstract ReadOnlySpan<byte> Slice(long offset, int length);

    public abstract void Dispose();
}

internal sealed class MemoryStorage(ReadOnlyMemory<byte> bytes) : SafetensorsStorage
{
    public override long Length => bytes.Length;

    public override ReadOnlySpan<byte> Slice(long offset, int length) => bytes.Span.Slice((int)offset, length);

    public override void Dispose() { }
}

/// <summary>
/// A read-only memory mapping. Spans point straight into the page cache (zero copy). Like every
/// mmap reader, it assumes no other process truncates the file while it is open.
/// </summary>
internal sealed unsafe class MappedStorage : SafetensorsStorage
{
    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _view;
    private readonly byte* _base;
    private readonly long _length;
    private int _disposed;

    public MappedStorage(string path, long length)
    {
        _length = length;
        _map = MemoryMappedFile.CreateFromFile(path, FileMode.Open, mapName: null, capacity: 0, MemoryMappedFileAccess.Read);
        try
        {
            _view = _map.CreateViewAccessor(0, length, MemoryMappedFileAccess.Read);
            byte* p = null;
            _view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
            _base = p + _view.PointerOffset;
        }
        catch
        {
            _view?.Dispose();
            _map.Dispose();
            throw;
        }
    }

    public override long Length => _length;

    public override ReadOnlySpan<byte> Slice(long offset, int length) => new(_base + offset, length);

    public override void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _map.Dispose();
    }
}
