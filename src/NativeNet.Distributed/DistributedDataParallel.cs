using System.Numerics.Tensors;
using NativeNet.Nn;
using NativeNet.Training;

namespace NativeNet.Distributed;

/// <summary>
/// Data-parallel training the way PyTorch's DistributedDataParallel does it: at construction the
/// parameters and buffers are broadcast from rank 0, so every rank starts from the same weights;
/// <see cref="Backward"/> runs the backward pass and sums the gradients across ranks in buckets
/// of about <see cref="BucketBytes"/> — parameters in reverse registration order (roughly the
/// order backward produces them), each bucket's all-reduce started as soon as its last gradient
/// is ready, so communication overlaps the rest of the backward pass. Buckets start in the same
/// order on every rank (MPI collectives must), and are waited for before the optimizer step.
/// A gradient of at least <see cref="InPlaceBytes"/> (default <see cref="DefaultInPlaceBytes"/>) is a bucket of its own, summed where it lies:
/// copying it into a flat buffer and back would cost more than its all-reduce (a 12.8 MB
/// gradient between two ranks on one machine: 2 × 1 ms of copies against a 1.8 ms all-reduce).
/// </summary>
/// <example>
/// <code>
/// // mpirun -np 4 dotnet train.dll: each rank takes its quarter of every global batch of 4·32.
/// using var ddp = new DistributedDataParallel(model);
/// var sampler = new DistributedSampler(train, batchSize: 32, ddp.Rank, ddp.WorldSize, seed: 42);
/// foreach (var (idx, shard) in sampler.EpochBatches(epoch))
/// {
///     using var scope = Tensor.NewDisposeScope();
///     Tensor? loss = null;
///     if (shard.Count > 0)
///         using (BatchShard.Enter(shard))   // dropout draws as one process with the whole batch
///             loss = lossFn.Forward(model.Forward(X(idx)), Y(idx));
///     optimizer.ZeroGrad();
///     ddp.Backward(loss, (float)shard.Count / shard.GlobalCount);   // this rank's share
///     optimizer.Step();
/// }
/// </code>
/// Or simply <c>compiled.Fit(train, epochs, batchSize: 32, distributed: true)</c>.
/// </example>
public sealed class DistributedDataParallel : IDataParallel
{
    /// <summary>The default bucket size, PyTorch's: 25 MB.</summary>
    public const int DefaultBucketBytes = 25 * 1024 * 1024;

    /// <summary>The default <see cref="InPlaceBytes"/>: 1 MB.</summary>
    public const int DefaultInPlaceBytes = 1024 * 1024;

    private readonly ProcessGroup _group;
    private readonly Bucket[] _buckets;
    private readonly Dictionary<Tensor, (Bucket Bucket, int Slot)> _slots = new(ReferenceEqualityComparer.Instance);
    private readonly Action<Tensor> _onGradientReady;
    private int _nextToStart;
    private float _weight;

    /// <summary>Wraps <paramref name="model"/> for the ranks of <paramref name="group"/> (default: the MPI job) and broadcasts rank 0's weights.</summary>
    public DistributedDataParallel(Module model, ProcessGroup? group = null, int bucketBytes = DefaultBucketBytes, int inPlaceBytes = DefaultInPlaceBytes)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (bucketBytes < sizeof(float)) throw new ArgumentOutOfRangeException(nameof(bucketBytes), bucketBytes, $"bucketBytes must be at least 4. Received: bucketBytes={bucketBytes}");
        if (inPlaceBytes < sizeof(float)) throw new ArgumentOutOfRangeException(nameof(inPlaceBytes), inPlaceBytes, $"inPlaceBytes must be at least 4. Received: inPlaceBytes={inPlaceBytes}");
        Model = model;
        BucketBytes = bucketBytes;
        InPlaceBytes = inPlaceBytes;
        _group = group ?? ProcessGroup.World;
        _onGradientReady = OnGradientReady;
        BroadcastState();
        _buckets = MakeBuckets(model.Parameters().Where(p => p.RequiresGrad).Reverse().ToList(), bucketBytes / sizeof(float), inPlaceBytes / sizeof(float));
        for (int b = 0; b < _buckets.Length; b++)
            for (int s = 0; s < _buckets[b].Parameters.Count; s++) _slots[_buckets[b].Parameters[s]] = (_buckets[b], s);
    }

    /// <summary>The model.</summary>
    public Module Model { get; }
    /// <summary>Target bytes of gradient per all-reduce.</summary>
    public int BucketBytes { get; }
    /// <summary>Gradients of at least this many bytes are summed in their own memory, not copied into a bucket.</summary>
    public int InPlaceBytes { get; }
    /// <summary>Number of buckets (parameters larger than a bucket get one of their own).</summary>
    public int BucketCount => _buckets.Length;
    /// <inheritdoc />
    public int Rank => _group.Rank;
    /// <inheritdoc />
    public int WorldSize => _group.Size;
    /// <summary>The ranks.</summary>
    public ProcessGroup Group => _group;

    /// <inheritdoc />
    public BatchShard Shard(int globalCount) => DistributedSampler.Shard(globalCount, Rank, WorldSize);

    /// <inheritdoc />
    public void Backward(Tensor? loss, float weight)
    {
        if (!(weight >= 0 && float.IsFinite(weight))) throw new ArgumentOutOfRangeException(nameof(weight), weight, $"weight must be finite and >= 0. Received: weight={weight}");
        _weight = weight;
        _nextToStart = 0;
        foreach (var b in _buckets) b.Reset();
        try
        {
            if (loss is not null)
                using (Autograd.OnGradientReady(_onGradientReady)) loss.Backward();
            // Parameters the loss did not reach contribute zeros, so every rank reduces every bucket.
            foreach (var b in _buckets) b.ZeroUnfilled();
            StartReadyBuckets();
            foreach (var b in _buckets) b.WaitAndStore();
        }
        finally
        {
            foreach (var b in _buckets) b.Release();
        }
    }

    /// <inheritdoc />
    public void SumInPlace(Span<double> values) => _group.AllReduce(values);

    /// <inheritdoc />
    public void SumInPlace(Span<float> values) => _group.AllReduce(values);

    /// <summary>Nothing to release: the process group lives as long as the process.</summary>
    public void Dispose() { }

    private void OnGradientReady(Tensor parameter)
    {
        if (!_slots.TryGetValue(parameter, out var at)) return;
        at.Bucket.Fill(at.Slot, parameter.Grad!, _weight);
        StartReadyBuckets();
    }

    // Starts every complete bucket whose predecessors have started; polls the latest one, which
    // also drives the progress of those before it (MPI progresses non-blocking collectives only inside MPI calls).
    private void StartReadyBuckets()
    {
        while (_nextToStart < _buckets.Length && _buckets[_nextToStart].Complete) _buckets[_nextToStart++].Start(_group);
        if (_nextToStart > 0) _buckets[_nextToStart - 1].Poll();
    }

    private void BroadcastState()
    {
        var tensors = Model.Parameters().Concat(Model.NamedBuffers().Select(b => b.Buffer)).ToList();
        var flat = new float[tensors.Sum(t => (long)t.Count)];
        long o = 0;
        foreach (var t in tensors) { t.AsSpan().CopyTo(flat.AsSpan((int)o)); o += t.Count; }
        _group.Broadcast(flat, root: 0);
        o = 0;
        foreach (var t in tensors) { flat.AsSpan((int)o, t.Count).CopyTo(t.AsSpan()); o += t.Count; }
    }

    private static Bucket[] MakeBuckets(List<Tensor> parameters, int capacity, int inPlaceCount)
    {
        var buckets = new List<Bucket>();
        var current = new List<Tensor>();
        long size = 0;
        foreach (var p in parameters)
        {
            bool inPlace = p.Count >= inPlaceCount;
            if (current.Count > 0 && (inPlace || size + p.Count > capacity)) { buckets.Add(new Bucket(current, inPlace: false)); current = []; size = 0; }
            if (inPlace) { buckets.Add(new Bucket([p], inPlace: true)); continue; }
            current.Add(p);
            size += p.Count;
        }
        if (current.Count > 0) buckets.Add(new Bucket(current, inPlace: false));
        return buckets.ToArray();
    }

    /// <summary>
    /// Some parameters' gradients in one flat buffer, summed across ranks by one all-reduce; or one
    /// large gradient summed in its own memory (<c>inPlace</c>).
    /// </summary>
    private sealed class Bucket
    {
        private readonly int[] _offsets;
        private readonly bool[] _filled;
        private readonly float[]? _buffer;   // null for an in-place bucket
        private int _filledCount;
        private ProcessGroup.PendingAllReduce? _pending;

        public Bucket(List<Tensor> parameters, bool inPlace)
        {
            Parameters = parameters;
            _offsets = new int[parameters.Count + 1];
            for (int i = 0; i < parameters.Count; i++) _offsets[i + 1] = checked(_offsets[i] + parameters[i].Count);
            _filled = new bool[parameters.Count];
            _buffer = inPlace ? null : new float[_offsets[^1]];
        }

        public List<Tensor> Parameters { get; }
        public bool Complete => _filledCount == Parameters.Count;

        public void Reset()
        {
            Array.Clear(_filled);
            _filledCount = 0;
            _pending = null;
        }

        // This rank's gradient, weighted by its share of the global batch.
        public void Fill(int slot, Tensor grad, float weight)
        {
            if (_filled[slot]) throw new InvalidOperationException($"The gradient of parameter {slot} of a bucket was reported ready twice in one backward pass.");
            if (_buffer is null) TensorPrimitives.Multiply(grad.Data, weight, grad.AsSpan());
            else TensorPrimitives.Multiply(grad.Data, weight, _buffer.AsSpan(_offsets[slot], _offsets[slot + 1] - _offsets[slot]));
            _filled[slot] = true;
            _filledCount++;
        }

        public void ZeroUnfilled()
        {
            for (int i = 0; i < _filled.Length; i++)
            {
                if (_filled[i]) continue;
                if (_buffer is null) GradOf(Parameters[i]).Zero_();
                else _buffer.AsSpan(_offsets[i], _offsets[i + 1] - _offsets[i]).Clear();
                _filled[i] = true;
                _filledCount++;
            }
        }

        public void Start(ProcessGroup group) =>
            _pending = _buffer is null ? group.StartAllReduce(Parameters[0].Grad!) : group.StartAllReduce(_buffer, _buffer.Length);

        public void Poll() => _pending?.Test();

        // The global gradient into each parameter's Grad (an in-place bucket already holds it there).
        public void WaitAndStore()
        {
            _pending!.Wait();
            _pending = null;
            if (_buffer is null) return;
            for (int i = 0; i < Parameters.Count; i++)
                _buffer.AsSpan(_offsets[i], _offsets[i + 1] - _offsets[i]).CopyTo(GradOf(Parameters[i]).AsSpan());
        }

        // After a failure: wait out a started all-reduce so its buffer is not reused while MPI writes it.
        public void Release()
        {
            if (_pending is null) return;
            try { _pending.Wait(); } catch (DistributedException) { } finally { _pending = null; }
        }

        private static Tensor GradOf(Tensor p)
        {
            if (p.Grad is null || p.Grad.IsDisposed) p.Grad = Tensor.Empty(p.ShapeChecked(), register: false);
            return p.Grad;
        }
    }
}
