"""ONNX side of the export tests.

  onnx_check.py (<model.onnx> <io.safetensors>)...
      onnx.checker.check_model(full_check=True) (structure + shape inference), then evaluates the
      graph with a small interpreter written from the ONNX operator specifications (torch for the
      arithmetic; LSTM/GRU from the spec's equations, not torch.nn, so gate layouts are checked
      independently) and compares with io["output"] computed by NativeNet.
"""
import sys

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import numpy_helper

import st_io


def attrs(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def pads2(p):
    # ONNX [b1, b2, e1, e2] with symmetric padding (the exporter writes only that) -> (p1, p2)
    n = len(p) // 2
    assert list(p[:n]) == list(p[n:]), p
    return tuple(p[:n])


def rnn(kind, a, x, w, r, b):
    hidden = a["hidden_size"]
    dirs = 2 if a.get("direction", b"forward") in (b"bidirectional", "bidirectional") else 1
    T, B, _ = x.shape
    ys = []
    for d in range(dirs):
        wd, rd = w[d], r[d]
        gates = wd.shape[0] // hidden
        bd = b[d] if b is not None else torch.zeros(2 * gates * hidden)
        wb, rb = bd[:gates * hidden], bd[gates * hidden:]
        h = torch.zeros(B, hidden)
        c = torch.zeros(B, hidden)
        out = [None] * T
        steps = range(T) if d == 0 else range(T - 1, -1, -1)
        for t in steps:
            xt = x[t]
            if kind == "LSTM":  # ONNX order i, o, f, c
                g = xt @ wd.T + wb + h @ rd.T + rb
                i, o, f, cc = g.split(hidden, dim=1)
                i, o, f, cc = torch.sigmoid(i), torch.sigmoid(o), torch.sigmoid(f), torch.tanh(cc)
                c = f * c + i * cc
                h = o * torch.tanh(c)
            else:  # GRU, ONNX order z, r, h, linear_before_reset = 1
                assert a.get("linear_before_reset") == 1
                gx = xt @ wd.T + wb
                gh = h @ rd.T + rb
                zx, rx, hx = gx.split(hidden, dim=1)
                zh, rh, hh = gh.split(hidden, dim=1)
                z = torch.sigmoid(zx + zh)
                rr = torch.sigmoid(rx + rh)
                n = torch.tanh(hx + rr * hh)
                h = (1 - z) * n + z * h
            out[t] = h
        ys.append(torch.stack(out))
    return torch.stack(ys, dim=1)  # [T, dirs, B, H]


def evaluate(model, x):
    env = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    env = {k: torch.from_numpy(np.array(v)) for k, v in env.items()}
    env[model.graph.input[0].name] = x
    for node in model.graph.node:
        a = attrs(node)
        i = [env[n] if n else None for n in node.input]
        op = node.op_type
        if op == "Gemm":
            assert a.get("transB") == 1
            y = i[0] @ i[1].T + (i[2] if len(i) > 2 else 0)
        elif op == "MatMul": y = i[0] @ i[1]
        elif op == "Add": y = i[0] + i[1]
        elif op == "Sub": y = i[0] - i[1]
        elif op == "Mul": y = i[0] * i[1]
        elif op == "Div": y = i[0] / i[1]
        elif op == "Sqrt": y = torch.sqrt(i[0])
        elif op == "Erf": y = torch.erf(i[0])
        elif op == "Relu": y = torch.relu(i[0])
        elif op == "Sigmoid": y = torch.sigmoid(i[0])
        elif op == "Tanh": y = torch.tanh(i[0])
        elif op == "LeakyRelu": y = F.leaky_relu(i[0], a["alpha"])
        elif op == "Elu": y = F.elu(i[0], a["alpha"])
        elif op == "Softmax": y = torch.softmax(i[0], a.get("axis", -1))
        elif op == "LogSoftmax": y = torch.log_softmax(i[0], a.get("axis", -1))
        elif op == "Identity": y = i[0]
        elif op == "Flatten": y = i[0].reshape(i[0].shape[0], -1) if a.get("axis", 1) == 1 else None
        elif op == "Reshape":
            shape = [i[0].shape[k] if s == 0 else int(s) for k, s in enumerate(i[1].tolist())]
            y = i[0].reshape(shape)
        elif op == "Transpose": y = i[0].permute(*a["perm"])
        elif op == "ReduceMean": y = i[0].mean(dim=tuple(a["axes"]), keepdim=bool(a.get("keepdims", 1)))
        elif op == "Cast": y = i[0].to(torch.int64)
        elif op == "Gather": y = i[0][i[1]]
        elif op == "Conv":
            conv = F.conv2d if i[1].dim() == 4 else F.conv1d
            y = conv(i[0], i[1], i[2] if len(i) > 2 else None, stride=tuple(a["strides"]), padding=pads2(a["pads"]),
                     dilation=tuple(a["dilations"]), groups=a["group"])
        elif op == "MaxPool":
            pool = F.max_pool2d if i[0].dim() == 4 else F.max_pool1d
            y = pool(i[0], tuple(a["kernel_shape"]), tuple(a["strides"]), pads2(a["pads"]))
        elif op == "AveragePool":
            pool = F.avg_pool2d if i[0].dim() == 4 else F.avg_pool1d
            y = pool(i[0], tuple(a["kernel_shape"]), tuple(a["strides"]), pads2(a.get("pads", [0] * (2 * (i[0].dim() - 2)))),
                     count_include_pad=bool(a.get("count_include_pad", 0)))
        elif op == "GlobalAveragePool": y = i[0].mean(dim=(2, 3), keepdim=True)
        elif op == "BatchNormalization":
            y = F.batch_norm(i[0], i[3], i[4], i[1], i[2], training=False, eps=a.get("epsilon", 1e-5))
        elif op in ("LSTM", "GRU"):
            y = rnn(op, a, i[0], i[1], i[2], i[3] if len(i) > 3 else None)
        else:
            raise SystemExit(f"interpreter has no operator {op}")
        if y is None:
            raise SystemExit(f"unsupported attributes on {op}: {a}")
        env[node.output[0]] = y
    return env[model.graph.output[0].name]


def check(model_path, io_path):
    model = onnx.load(model_path)
    onnx.checker.check_model(model, full_check=True)
    io, _ = st_io.load(io_path)
    with torch.no_grad():
        y = evaluate(model, io["input"])
    expected = io["output"]
    if tuple(y.shape) != tuple(expected.shape):
        raise SystemExit(f"{model_path}: shape {tuple(y.shape)} != NativeNet's {tuple(expected.shape)}")
    diff = (y - expected).abs().max().item()
    tol = 1e-5 + 1e-4 * expected.abs().max().item()
    if not diff <= tol:
        raise SystemExit(f"{model_path}: ONNX graph output differs from NativeNet: max_abs_diff={diff} > {tol}")
    print(f"{model_path}: OK opset={model.opset_import[0].version} nodes={len(model.graph.node)} max_abs_diff={diff}")


def main():
    args = sys.argv[1:]
    for k in range(0, len(args), 2):
        check(*args[k:k + 2])


if __name__ == "__main__":
    main()
