"""PyTorch side of the state-dict interchange tests.

  torch_interchange.py check (<model.safetensors> <io.safetensors>)...
      Rebuilds the architecture from the NativeNet model file's metadata in PyTorch, loads the
      weights under the same state-dict names (strict), runs io["input"] in eval mode and compares
      with io["output"] (NativeNet's result). Prints "OK max_abs_diff=..." or exits non-zero.
  torch_interchange.py make (<arch.json> <out.safetensors> <io.safetensors> <seed> <input-shape-json>)...
      Builds the architecture in PyTorch with a seed, writes its state_dict and an input/output pair.
"""
import json
import sys

import torch

import st_io


def build(spec):
    t, c = spec["Type"], spec.get("Config") or {}
    nn = torch.nn
    if t == "Sequential":
        return nn.Sequential(*[build(ch["Spec"]) for ch in spec.get("Children") or []])
    if t == "Linear":
        return nn.Linear(c["in_features"], c["out_features"], bias=c.get("bias", True))
    if t == "Conv2d":
        return nn.Conv2d(c["in_channels"], c["out_channels"], tuple(c["kernel_size"]), stride=tuple(c["stride"]),
                         padding=tuple(c["padding"]), dilation=tuple(c["dilation"]), groups=c["groups"], bias=c["bias"])
    if t in ("BatchNorm1d", "BatchNorm2d"):
        cls = getattr(nn, t)
        return cls(c["num_features"], eps=c["eps"], momentum=c.get("momentum"), affine=c["affine"],
                   track_running_stats=c["track_running_stats"])
    if t == "MaxPool2d":
        return nn.MaxPool2d(tuple(c["kernel_size"]), stride=tuple(c["stride"]), padding=tuple(c["padding"]))
    if t == "Flatten":
        return nn.Flatten(c["start_dim"], c["end_dim"])
    if t == "Dropout":
        return nn.Dropout(c["p"])
    if t in ("LSTM", "GRU"):
        cls = getattr(nn, t)
        return cls(c["input_size"], c["hidden_size"], num_layers=c["num_layers"], bias=c["bias"],
                   batch_first=c["batch_first"], dropout=c["dropout"], bidirectional=c["bidirectional"])
    if t in ("ReLU", "Sigmoid", "Tanh", "GELU"):
        return getattr(nn, t)()
    raise SystemExit(f"unsupported module type in test architecture: {t}")


def run(model, x):
    with torch.no_grad():
        y = model(x)
    return y[0] if isinstance(y, tuple) else y


def check(model_path, io_path):
    weights, metadata = st_io.load(model_path)
    io, _ = st_io.load(io_path)
    model = build(json.loads(metadata["nativenet.architecture"]))
    model.load_state_dict(weights, strict=True)
    model.eval()
    y = run(model, io["input"])
    diff = (y - io["output"]).abs().max().item()
    tol = 1e-5 + 1e-4 * io["output"].abs().max().item()
    if not diff <= tol:
        raise SystemExit(f"{model_path}: PyTorch output differs from NativeNet: max_abs_diff={diff} > {tol}")
    print(f"{model_path}: OK max_abs_diff={diff}")


def make(arch_path, weights_path, io_path, seed, input_shape):
    with open(arch_path) as f:
        spec = json.load(f)
    torch.manual_seed(int(seed))
    model = build(spec)
    x = torch.randn(*json.loads(input_shape))
    model.train()
    run(model, x)  # one training pass so BatchNorm running statistics are non-trivial
    model.eval()
    y = run(model, x)
    st_io.save(weights_path, model.state_dict())
    st_io.save(io_path, {"input": x, "output": y})
    print(f"{weights_path}: OK")


def main():
    # Several jobs per process: importing torch dominates the cost of a run.
    mode, args = sys.argv[1], sys.argv[2:]
    if mode == "check":
        for k in range(0, len(args), 2):
            check(*args[k:k + 2])
    elif mode == "make":
        for k in range(0, len(args), 5):
            make(*args[k:k + 5])
    else:
        raise SystemExit(f"unknown mode {mode}")


if __name__ == "__main__":
    main()
