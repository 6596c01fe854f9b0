using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace NativeNet.Serialization.PyTorch;

/// <summary>A Python global a pickle referenced (only the allowed ones are ever created).</summary>
internal sealed record PickleGlobal(string Module, string Name)
{
    public string FullName => Module + "." + Name;
}

/// <summary>A tuple.</summary>
internal sealed record PickleTuple(object?[] Items);

/// <summary>A dict or OrderedDict, in insertion order.</summary>
internal sealed class PickleDict
{
    public List<KeyValuePair<object?, object?>> Items { get; } = new();
}

/// <summary>Python's None (null stands for "absent" nowhere on the stack, so None gets its own value).</summary>
internal sealed class PickleNone
{
    public static readonly PickleNone Value = new();
}

/// <summary>A storage a tensor points into: the zip entry "data/&lt;Key&gt;" (or the legacy format's storage record of that key), its element type and count.</summary>
internal sealed record StorageRef(SafetensorsDtype Dtype, string Key, long ElementCount);

/// <summary>A tensor view: storage, offset (elements), sizes and strides (elements).</summary>
internal sealed record TensorRef(StorageRef Storage, long Offset, long[] Size, long[] Stride);

/// <summary>
/// A pickle reader for <c>torch.save(state_dict)</c> data that executes nothing: the opcodes a state
/// dict uses are interpreted on a stack of plain values, and GLOBAL may only name the few callables a
/// state dict needs (OrderedDict, the tensor-rebuild helpers, the storage types). Any other global is
/// an <see cref="InvalidDataException"/> naming it, raised before anything else is read — so a
/// malicious file ("os.system", "builtins.eval", …) is refused, never run.
/// </summary>
internal sealed class RestrictedUnpickler
{
    /// <summary>Storage types and the element type they hold.</summary>
    private static readonly Dictionary<string, SafetensorsDtype> StorageTypes = new()
    {
        ["torch.FloatStorage"] = SafetensorsDtype.F32,
        ["torch.HalfStorage"] = SafetensorsDtype.F16,
        ["torch.BFloat16Storage"] = SafetensorsDtype.BF16,
        ["torch.DoubleStorage"] = SafetensorsDtype.F64,
        ["torch.LongStorage"] = SafetensorsDtype.I64,
        ["torch.IntStorage"] = SafetensorsDtype.I32,
        ["torch.ShortStorage"] = SafetensorsDtype.I16,
        ["torch.CharStorage"] = SafetensorsDtype.I8,
        ["torch.ByteStorage"] = SafetensorsDtype.U8,
        ["torch.BoolStorage"] = SafetensorsDtype.BOOL,
    };

    private const string OrderedDict = "collections.OrderedDict";
    private const string RebuildTensorV2 = "torch._utils._rebuild_tensor_v2";
    private const string RebuildParameter = "torch._utils._rebuild_parameter";

    private readonly byte[] _data;
    private readonly string _source;
    private int _pos;
    private readonly List<object?> _stack = new();
    private readonly Stack<int> _marks = new();
    private readonly Dictionary<long, object?> _memo = new();

    private RestrictedUnpickler(byte[] data, string source)
    {
        _data = data;
        _source = source;
    }

    /// <summary>Reads one pickled object.</summary>
    public static object? Load(byte[] data, string source) => new RestrictedUnpickler(data, source).Run();

    /// <summary>Reads the pickled object at <paramref name="position"/> and moves it past the STOP (the legacy format concatenates several).</summary>
    public static object? Load(byte[] data, ref int position, string source)
    {
        var reader = new RestrictedUnpickler(data, source) { _pos = position };
        var value = reader.Run();
        position = reader._pos;
        return value;
    }

    private InvalidDataException Bad(string message) => new($"Invalid PyTorch checkpoint '{_source}': {message}");

    private object? Run()
    {
        while (true)
        {
            int at = _pos;
            byte op = U8();
            switch (op)
            {
                case 0x80: U8(); break;                                   // PROTO
                case 0x95: Bytes(8); break;                                // FRAME (length only)
                case (byte)'.': return _stack.Count == 1 ? _stack[0] : throw Bad($"STOP with {_stack.Count} values on the stack");
                case (byte)'}': Push(new PickleDict()); break;             // EMPTY_DICT
                case (byte)']': Push(new List<object?>()); break;         // EMPTY_LIST
                case (byte)')': Push(new PickleTuple(Array.Empty<object?>())); break;
                case (byte)'(': _marks.Push(_stack.Count); break;         // MARK
                case (byte)'t': Push(new PickleTuple(PopMark())); break;  // TUPLE
                case 0x85: Push(new PickleTuple(PopN(1))); break;          // TUPLE1
                case 0x86: Push(new PickleTuple(PopN(2))); break;          // TUPLE2
                case 0x87: Push(new PickleTuple(PopN(3))); break;          // TUPLE3
                case (byte)'N': Push(PickleNone.Value); break;
                case 0x88: Push(true); break;                              // NEWTRUE
                case 0x89: Push(false); break;                             // NEWFALSE
                case (byte)'K': Push((long)U8()); break;                   // BININT1
                case (byte)'M': Push((long)BinaryPrimitives.ReadUInt16LittleEndian(Bytes(2))); break;
                case (byte)'J': Push((long)BinaryPrimitives.ReadInt32LittleEndian(Bytes(4))); break;
                case 0x8a: Push(Long(U8())); break;                        // LONG1
                case (byte)'G': Push(BinaryPrimitives.ReadDoubleBigEndian(Bytes(8))); break;   // BINFLOAT
                case (byte)'X': Push(Utf8(Length(4))); break;              // BINUNICODE
                case 0x8c: Push(Utf8(U8())); break;                        // SHORT_BINUNICODE
                case 0x8d: Push(Utf8(Length(8))); break;                   // BINUNICODE8
                case (byte)'U': Push(Latin1(U8())); break;                 // SHORT_BINSTRING
                case (byte)'T': Push(Latin1(Length(4))); break;            // BINSTRING
                case (byte)'C': Push(Bytes(U8()).ToArray()); break;        // SHORT_BINBYTES
                case (byte)'B': Push(Bytes(Length(4)).ToArray()); break;   // BINBYTES
                case (byte)'q': _memo[U8()] = Peek(); break;               // BINPUT
                case (byte)'r': _memo[Length(4)] = Peek(); break;          // LONG_BINPUT
                case 0x94: _memo[_memo.Count] = Peek(); break;             // MEMOIZE
                case (byte)'h': Push(Memo(U8())); break;                   // BINGET
                case (byte)'j': Push(Memo(Length(4))); break;              // LONG_BINGET
                case (byte)'0': Pop(); break;                              // POP
                case (byte)'1': PopMark(); break;                          // POP_MARK
                case (byte)'2': Push(Peek()); break;                       // DUP
                case (byte)'c': Push(Global(Line(), Line())); break;       // GLOBAL
                case 0x93:                                                 // STACK_GLOBAL
                {
                    string name = Pop() as string ?? throw Bad("STACK_GLOBAL name is not a string");
                    string module = Pop() as string ?? throw Bad("STACK_GLOBAL module is not a string");
                    Push(Global(module, name));
                    break;
                }
                case (byte)'R':                                            // REDUCE
                {
                    var args = Pop() as PickleTuple ?? throw Bad("REDUCE arguments are not a tuple");
                    var callable = Pop() as PickleGlobal ?? throw Bad("REDUCE target is not a global");
                    Push(Call(callable, args.Items));
                    break;
                }
                case (byte)'Q': Push(PersistentLoad(Pop())); break;        // BINPERSID
                case (byte)'s':                                            // SETITEM
                {
                    var value = Pop();
                    var key = Pop();
                    DictOnTop("SETITEM").Items.Add(new(key, value));
                    break;
                }
                case (byte)'u':                                            // SETITEMS
                {
                    var items = PopMark();
                    if (items.Length % 2 != 0) throw Bad("SETITEMS with an odd number of values");
                    var d = DictOnTop("SETITEMS");
                    for (int i = 0; i < items.Length; i += 2) d.Items.Add(new(items[i], items[i + 1]));
                    break;
                }
                case (byte)'a':                                            // APPEND
                {
                    var v = Pop();
                    (Peek() as List<object?> ?? throw Bad("APPEND target is not a list")).Add(v);
                    break;
                }
                case (byte)'e':                                            // APPENDS
                {
                    var items = PopMark();
                    (Peek() as List<object?> ?? throw Bad("APPENDS target is not a list")).AddRange(items);
                    break;
                }
                case (byte)'b':                                            // BUILD
                {
                    Pop();
                    // A state dict's OrderedDict carries its _metadata (versions) as instance state:
                    // nothing a tensor needs. BUILD on anything else would mean running __setstate__.
                    if (Peek() is not PickleDict) throw Bad($"BUILD on a {Describe(Peek())} (only an OrderedDict's state is accepted)");
                    break;
                }
                default:
                    throw Bad($"unsupported pickle opcode 0x{op:x2} at byte {at} (a state dict written by torch.save does not use it)");
            }
        }
    }

    private object Global(string module, string name)
    {
        string full = module + "." + name;
        if (full is OrderedDict or RebuildTensorV2 or RebuildParameter || StorageTypes.ContainsKey(full)) return new PickleGlobal(module, name);
        throw Bad($"refuses the pickle global '{full}': only the globals a state dict needs are allowed (OrderedDict, torch._utils._rebuild_tensor_v2, torch._utils._rebuild_parameter, torch.*Storage); nothing was executed");
    }

    private object Call(PickleGlobal f, object?[] args)
    {
        switch (f.FullName)
        {
            case OrderedDict:
                if (args.Length != 0) throw Bad("OrderedDict called with arguments");
                return new PickleDict();
            case RebuildTensorV2:
            {
                // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
                if (args.Length is < 6 or > 7) throw Bad($"_rebuild_tensor_v2 takes 6 or 7 arguments. Received: {args.Length}");
                var storage = args[0] as StorageRef ?? throw Bad($"_rebuild_tensor_v2's storage is a {Describe(args[0])}");
                long offset = args[1] is long o ? o : throw Bad("_rebuild_tensor_v2's storage offset is not an integer");
                var size = Ints(args[2], "size");
                var stride = Ints(args[3], "stride");
                if (size.Length != stride.Length) throw Bad($"tensor size has {size.Length} dimensions, stride {stride.Length}");
                return new TensorRef(storage, offset, size, stride);
            }
            case RebuildParameter:
                // (data, requires_grad, backward_hooks): the parameter's data is the tensor.
                if (args.Length != 3 || args[0] is not TensorRef t) throw Bad("_rebuild_parameter expects (tensor, requires_grad, hooks)");
                return t;
            default:
                throw Bad($"'{f.FullName}' is not callable here");
        }
    }

    private StorageRef PersistentLoad(object? pid)
    {
        // ('storage', storage_type, key, location, numel); the legacy format adds view_metadata,
        // None unless the storage was a view of another (which torch.save has not written since 0.4).
        if (pid is not PickleTuple { Items.Length: 5 or 6 } t || t.Items[0] is not "storage")
            throw Bad($"persistent id is not a ('storage', type, key, location, numel) tuple: {Describe(pid)}");
        if (t.Items.Length == 6 && t.Items[5] is not PickleNone)
            throw Bad("a legacy storage view (persistent id with view metadata) is not read; load the file in PyTorch and save it again");
        var type = t.Items[1] as PickleGlobal ?? throw Bad("persistent id's storage type is not a global");
        if (!StorageTypes.TryGetValue(type.FullName, out var dtype)) throw Bad($"'{type.FullName}' is not a storage type");
        string key = t.Items[2] as string ?? throw Bad("persistent id's key is not a string");
        if (key.Length == 0 || key.Contains('/') || key.Contains('\\') || key.Contains("..", StringComparison.Ordinal))
            throw Bad($"storage key '{key}' is not a plain name");
        long numel = t.Items[4] is long n && n >= 0 ? n : throw Bad("persistent id's element count is not a non-negative integer");
        return new StorageRef(dtype, key, numel);
    }

    private long[] Ints(object? v, string what)
    {
        if (v is not PickleTuple t) throw Bad($"tensor {what} is a {Describe(v)}, not a tuple");
        var r = new long[t.Items.Length];
        for (int i = 0; i < r.Length; i++) r[i] = t.Items[i] is long x && x >= 0 ? x : throw Bad($"tensor {what}[{i}] is not a non-negative integer");
        return r;
    }

    private static string Describe(object? v) => v switch
    {
        null => "nothing",
        PickleGlobal g => "global " + g.FullName,
        PickleTuple => "tuple",
        PickleDict => "dict",
        List<object?> => "list",
        PickleNone => "None",
        _ => v.GetType().Name,
    };

    private PickleDict DictOnTop(string op) => Peek() as PickleDict ?? throw Bad($"{op} target is a {Describe(Peek())}, not a dict");

    private void Push(object? v) => _stack.Add(v);

    private object? Peek() => _stack.Count > 0 ? _stack[^1] : throw Bad($"stack underflow at byte {_pos - 1}");

    private object? Pop()
    {
        var v = Peek();
        _stack.RemoveAt(_stack.Count - 1);
        return v;
    }

    private object?[] PopN(int n)
    {
        if (_stack.Count - (_marks.Count > 0 ? _marks.Peek() : 0) < n) throw Bad($"stack underflow at byte {_pos - 1}");
        var r = _stack.GetRange(_stack.Count - n, n).ToArray();
        _stack.RemoveRange(_stack.Count - n, n);
        return r;
    }

    private object?[] PopMark()
    {
        if (_marks.Count == 0) throw Bad($"no MARK for the opcode at byte {_pos - 1}");
        int m = _marks.Pop();
        if (m > _stack.Count) throw Bad($"MARK above the stack at byte {_pos - 1}");
        var r = _stack.GetRange(m, _stack.Count - m).ToArray();
        _stack.RemoveRange(m, _stack.Count - m);
        return r;
    }

    private object? Memo(long key) => _memo.TryGetValue(key, out var v) ? v : throw Bad($"memo entry {key} is not set");

    private byte U8() => _pos < _data.Length ? _data[_pos++] : throw Bad("the pickle ends early");

    private ReadOnlySpan<byte> Bytes(long n)
    {
        if (n < 0 || n > _data.Length - _pos) throw Bad($"a {n}-byte field runs past the end of the pickle");
        var s = _data.AsSpan(_pos, (int)n);
        _pos += (int)n;
        return s;
    }

    private long Length(int width) => width == 4 ? BinaryPrimitives.ReadUInt32LittleEndian(Bytes(4)) : (long)Math.Min(BinaryPrimitives.ReadUInt64LittleEndian(Bytes(8)), long.MaxValue);

    private long Long(int n)
    {
        if (n > 8) throw Bad($"an integer of {n} bytes is out of range");
        var b = Bytes(n);
        return n == 0 ? 0 : (long)new BigInteger(b, isUnsigned: false, isBigEndian: false);
    }

    private string Utf8(long n)
    {
        var b = Bytes(n);
        try { return new UTF8Encoding(false, true).GetString(b); }
        catch (DecoderFallbackException) { throw Bad($"a string at byte {_pos - n} is not UTF-8"); }
    }

    private string Latin1(long n) => Encoding.Latin1.GetString(Bytes(n));

    private string Line()
    {
        int end = Array.IndexOf(_data, (byte)'\n', _pos);
        if (end < 0) throw Bad("GLOBAL name has no line end");
        string s = Encoding.ASCII.GetString(_data, _pos, end - _pos);
        _pos = end + 1;
        return s;
    }
}
