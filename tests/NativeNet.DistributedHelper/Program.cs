using System.Globalization;
using NativeNet;
using NativeNet.Data;
using NativeNet.Distributed;
using NativeNet.Nn;
using NativeNet.Optim;
using NativeNet.Serialization;
using NativeNet.Training;

// One rank of a hand-written data-parallel loop on a seeded synthetic table (an MLP with dropout,
// Adam): the same seed and global batch give the same weights with any number of ranks.
//   --out F           rank 0 writes the final weights (safetensors)
//   --batch B         per-rank batch; --epochs E; --seed S; --bucket-bytes N (default 25 MB)
//   --in-place-bytes N   gradients of at least N bytes are summed in place (default 1 MB)
//   --checkpoint F --stop-after K   rank 0 saves a checkpoint after epoch K and every rank stops
//   --resume F        continue from a checkpoint (written with any number of ranks)
var a = Args.Parse(args);
var world = ProcessGroup.World;
var data = Synthetic(n: 203, features: 6);
Generator.ManualSeed((ulong)a.Seed);
using var model = new Sequential(new Linear(6, 24), new ReLU(), new Dropout(0.3), new Linear(24, 12), new ReLU(), new Linear(12, 1));
var adam = new Adam(model.Parameters(), lr: 0.01);
var loss = new BCEWithLogitsLoss();
using var ddp = new DistributedDataParallel(model, bucketBytes: a.BucketBytes, inPlaceBytes: a.InPlaceBytes);
int start = 0;
if (a.Resume is not null) start = Checkpoint.Load(a.Resume, model, adam).Epoch;
var sampler = new DistributedSampler(data, a.Batch, ddp.Rank, ddp.WorldSize, seed: a.Seed);
for (int epoch = start; epoch < a.Epochs; epoch++)
{
    foreach (var (idx, shard) in sampler.EpochBatches(epoch))
    {
        using var scope = Tensor.NewDisposeScope();
        Tensor? l = null;
        if (shard.Count > 0)
        {
            var part = data.Subset(idx);
            using (BatchShard.Enter(shard))
                l = loss.Forward(model.Forward(Tensor.FromArray(part.Features, [part.Count, part.SampleSize])), Tensor.FromArray(part.Targets, part.Count, 1));
        }
        adam.ZeroGrad();
        ddp.Backward(l, (float)shard.Count / shard.GlobalCount);
        adam.Step();
    }
    if (a.Checkpoint is not null && epoch + 1 == a.StopAfter)
    {
        if (world.Rank == 0) Checkpoint.Save(a.Checkpoint, model, adam, epoch + 1);
        world.Barrier();
        return 0;
    }
}
if (world.Rank == 0 && a.Out is not null) ModelWeights.Save(model, a.Out);
Console.WriteLine($"rank {world.Rank} of {world.Size}: {ddp.BucketCount} buckets, done");
return 0;

static Dataset Synthetic(int n, int features)
{
    var g = new Generator(7);
    var x = new float[n * features];
    var y = new float[n];
    for (int i = 0; i < n; i++)
    {
        double z = 0;
        for (int j = 0; j < features; j++) { x[i * features + j] = (float)g.NextNormal(); z += (j % 2 == 0 ? 1 : -0.5) * x[i * features + j]; }
        y[i] = z + 0.3 * g.NextNormal() > 0 ? 1 : 0;
    }
    return new Dataset(x, [features], y);
}

internal sealed record Args(string? Out, int Batch, int Epochs, int Seed, int BucketBytes, int InPlaceBytes, string? Checkpoint, int StopAfter, string? Resume)
{
    public static Args Parse(string[] args)
    {
        var d = new Dictionary<string, string>();
        for (int i = 0; i + 1 < args.Length; i += 2) d[args[i]] = args[i + 1];
        int I(string k, int v) => d.TryGetValue(k, out var s) ? int.Parse(s, CultureInfo.InvariantCulture) : v;
        return new Args(d.GetValueOrDefault("--out"), I("--batch", 8), I("--epochs", 4), I("--seed", 1), I("--bucket-bytes", DistributedDataParallel.DefaultBucketBytes),
            I("--in-place-bytes", DistributedDataParallel.DefaultInPlaceBytes), d.GetValueOrDefault("--checkpoint"), I("--stop-after", 0), d.GetValueOrDefault("--resume"));
    }
}
