using Microsoft.ML.OnnxRuntime;

namespace NativeNet.Tests.Support;

/// <summary>
/// ONNX Runtime as an independent client of exported models: runs a graph's single input and
/// output on a float buffer. Test-only: the NativeNet package never references ONNX Runtime.
/// </summary>
internal static class OnnxRuntimeClient
{
    /// <summary>The graph's first output for <paramref name="input"/> of <paramref name="shape"/>.</summary>
    public static float[] Run(string onnxPath, float[] input, params long[] shape)
    {
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL };
        using var session = new InferenceSession(onnxPath, options);
        using var value = OrtValue.CreateTensorValueFromMemory(input, shape);
        using var run = new RunOptions();
        using var outputs = session.Run(run, [session.InputNames[0]], [value], [session.OutputNames[0]]);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }
}
