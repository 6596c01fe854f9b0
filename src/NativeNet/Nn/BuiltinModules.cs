namespace NativeNet.Nn;

/// <summary>Registers the spec factories of every built-in module once.</summary>
internal static class BuiltinModules
{
    private static int _done;

    public static void EnsureRegistered()
    {
        if (Interlocked.Exchange(ref _done, 1) == 1) return;
        ModuleSpec.Register("Linear", Linear.Create);
        ModuleSpec.Register("Conv1d", Conv1d.Create);
        ModuleSpec.Register("Conv2d", Conv2d.Create);
        ModuleSpec.Register("MaxPool2d", MaxPool2d.Create);
        ModuleSpec.Register("AvgPool2d", AvgPool2d.Create);
        ModuleSpec.Register("AdaptiveAvgPool2d", AdaptiveAvgPool2d.Create);
        ModuleSpec.Register("ConvTranspose2d", ConvTranspose2d.Create);
        ModuleSpec.Register("MaxPool1d", MaxPool1d.Create);
        ModuleSpec.Register("AvgPool1d", AvgPool1d.Create);
        ModuleSpec.Register("Upsample", Upsample.Create);
        ModuleSpec.Register("Flatten", Flatten.Create);
        ModuleSpec.Register("ReduceMean", ReduceMean.Create);
        ModuleSpec.Register("Dropout", Dropout.Create);
        ModuleSpec.Register("Identity", _ => new Identity());
        ModuleSpec.Register("Embedding", Embedding.Create);
        ModuleSpec.Register("BatchNorm1d", BatchNorm1d.Create);
        ModuleSpec.Register("BatchNorm2d", BatchNorm2d.Create);
        ModuleSpec.Register("LayerNorm", LayerNorm.Create);
        ModuleSpec.Register("LSTM", LSTM.Create);
        ModuleSpec.Register("GRU", GRU.Create);
        ModuleSpec.Register("RNN", RNN.Create);
        ModuleSpec.Register("MultiheadAttention", MultiheadAttention.Create);
        ModuleSpec.Register("TransformerEncoderLayer", TransformerEncoderLayer.Create);
        ModuleSpec.Register("ReLU", _ => new ReLU());
        ModuleSpec.Register("LeakyReLU", LeakyReLU.Create);
        ModuleSpec.Register("ELU", ELU.Create);
        ModuleSpec.Register("GELU", _ => new GELU());
        ModuleSpec.Register("Sigmoid", _ => new Sigmoid());
        ModuleSpec.Register("Tanh", _ => new Tanh());
        ModuleSpec.Register("ReLU6", _ => new ReLU6());
        ModuleSpec.Register("Hardswish", _ => new Hardswish());
        ModuleSpec.Register("Hardsigmoid", _ => new Hardsigmoid());
        ModuleSpec.Register("SiLU", _ => new SiLU());
        ModuleSpec.Register("Softplus", _ => new Softplus());
        ModuleSpec.Register("Mish", _ => new Mish());
        ModuleSpec.Register("Softmax", Softmax.Create);
        ModuleSpec.Register("LogSoftmax", LogSoftmax.Create);
        ModuleSpec.Register("Sequential", Sequential.Create);
        ModuleSpec.Register(Models.Backbone.SpecType, Models.Backbone.Create);
    }
}
