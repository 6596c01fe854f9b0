using NativeNet.Nn;
using NativeNet.Optim;

namespace NativeNet.Tests.Reliability;

/// <summary>
/// One trained model serves many threads at once with the single-threaded results bitwise, and
/// native calls stay correct while another thread changes the native thread count.
/// </summary>
[Collection(Support.NoParallel.Name)]
public class ConcurrencyTests
{
    private const int Threads = 32, PredictionsPerThread = 1000, Inputs = 64, Features = 12;

    private static Sequential TrainedModel(out float[][] inputs)
    {
        var g = new Generator(5);
        var model = new Sequential(new Linear(Features, 32, generator: g), new GELU(), new Linear(32, 32, generator: g), new Tanh(),
            new Linear(32, 3, generator: g), new Softmax(-1));
        var opt = new Adam(model.Parameters(), lr: 1e-2);
        using (var x = Tensor.Uniform([64, Features], -1, 1, g))
        using (var t = Tensor.Uniform([64, 3], 0, 1, g))
            for (int i = 0; i < 20; i++)
                using (Tensor.NewDisposeScope())
                {
                    opt.ZeroGrad();
                    global::NativeNet.Nn.Functional.MseLoss(model.Forward(x), t).Backward();
                    opt.Step();
                }
        opt.ZeroGrad();
        model.Eval();
        var rng = new Random(9);
        // Batches of 1 to 8 rows, so both the small and the blocked GEMM paths are served.
        inputs = Enumerable.Range(0, Inputs).Select(i => Enumerable.Range(0, (1 + i % 8) * Features).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray()).ToArray();
        return model;
    }

    private static float[] Predict(Module model, float[] input)
    {
        using var noGrad = global::NativeNet.Autograd.NoGrad();
        using var scope = Tensor.NewDisposeScope();
        return model.Forward(Tensor.FromArray(input, input.Length / Features, Features)).ToArray();
    }

    [Fact]
    public void Thirty_two_threads_get_the_single_threaded_predictions_bitwise()
    {
        using var model = TrainedModel(out var inputs);
        var expected = inputs.Select(x => Predict(model, x)).ToArray();
        var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var threads = Enumerable.Range(0, Threads).Select(id => new Thread(() =>
        {
            try
            {
                for (int k = 0; k < PredictionsPerThread; k++)
                {
                    int i = (id * 7 + k) % Inputs;
                    var got = Predict(model, inputs[i]);
                    if (!got.AsSpan().SequenceEqual(expected[i]))
                    {
                        failures.Enqueue($"thread {id}, prediction {k}, input {i}: differs from the single-threaded result");
                        return;
                    }
                }
            }
            catch (Exception e) { failures.Enqueue($"thread {id}: {e}"); }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        Assert.Empty(failures);
    }

    [Fact]
    public void Native_calls_stay_correct_while_the_thread_count_changes()
    {
        int saved = NativeNetRuntime.Threads;
        try
        {
            using var model = TrainedModel(out var inputs);
            // Every result must equal the single-threaded one at one of the thread counts in use.
            var refs = new[] { 1, 2, 3 }.Select(n => { NativeNetRuntime.Threads = n; return inputs.Select(x => Predict(model, x)).ToArray(); }).ToArray();
            var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();
            using var stop = new CancellationTokenSource();
            var toggler = new Thread(() =>
            {
                int n = 0;
                while (!stop.IsCancellationRequested) NativeNetRuntime.Threads = 1 + n++ % 3;
            });
            var workers = Enumerable.Range(0, 8).Select(id => new Thread(() =>
            {
                try
                {
                    for (int k = 0; k < 300; k++)
                    {
                        int i = (id * 5 + k) % Inputs;
                        var got = Predict(model, inputs[i]);
                        if (!refs.Any(r => got.AsSpan().SequenceEqual(r[i])))
                        {
                            failures.Enqueue($"worker {id}, call {k}, input {i}: matches no thread count's result");
                            return;
                        }
                    }
                }
                catch (Exception e) { failures.Enqueue($"worker {id}: {e}"); }
            })).ToList();
            toggler.Start();
            workers.ForEach(t => t.Start());
            workers.ForEach(t => t.Join());
            stop.Cancel();
            toggler.Join();
            Assert.Empty(failures);
        }
        finally { NativeNetRuntime.Threads = saved; }
    }
}
