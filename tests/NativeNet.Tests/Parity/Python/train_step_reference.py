"""Float64 reference for a model_train_step parity fixture, with the slack its near-tied decisions allow.

Usage: /usr/bin/python3 train_step_reference.py FIXTURE OUT [ERROR_MULTIPLE]

A training step through ReLUs and a max pool is discontinuous: where a ReLU input or a pool window's
top two values sit within float32 error of the decision, a float32 implementation may decide either
way, and one flipped decision can move most of a parameter by percents (ResNet-18 on 4x3x32x32: a
layer4 BN output of 7.2e-6 in float64 came out -1.0e-6 in float32 and moved 90% of conv1.weight by
2%). So this script recomputes the step in float64 (the fixture's own float32 result is one of those
float32 outcomes, not the truth) and finds the near-tied decisions: those whose margin is within
ERROR_MULTIPLE (default 16) times PyTorch's float32 error at that point, measured by running the
forward in float32 too. Why 16: NativeNet's float32 forward errs up to about 3 times more than
PyTorch's at the worst point (ResNet-18 layer4, seed 1: 5.5e-4 absolute on outputs of RMS about 1,
against PyTorch's 2e-4 of the RMS; avx512 cap, Zen 5, 2026-12-06); 16 leaves a factor of 5 on top.

For each near-tied decision it measures what flipping it would do: the forward value moves by at
most the margin (negligible), and the backward pass, linear once the forward is fixed, changes by one
vector-Jacobian product: the upstream gradient entering the other branch. With momentum SGD's first
step (buffer = gradient) a parameter moves by -lr times that. slack.<name> is the sum over near-tied
decisions of |that movement|: a bound, to first order, on what any set of flips can do. Elsewhere
slack is 0, so the comparison stays as tight as the tolerance. For ResNet-18 (seeds 1-9) that is
12-20 near-ties per step, which widen the tolerance of conv1 and layers 1-3 (about a quarter of the
elements) 2-100 times and leave layer4's convolutions, fc and the running statistics almost untouched;
a 1% error in the learning rate still fails every seed.

OUT gets (safetensors, F32): loss, after.<name> (float64 state dict after the step, rounded to
float32), slack.<name>; metadata: near_ties (count), error_multiple, and worst (the near-tie that
moves the state the most, and where).
"""
import json, struct, sys
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F


def load(path):
    raw = open(path, "rb").read()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    dtypes = {"F32": np.float32, "F64": np.float64, "I64": np.int64}
    out = {}
    for k, v in header.items():
        if k == "__metadata__":
            continue
        s, e = v["data_offsets"]
        out[k] = torch.from_numpy(np.frombuffer(raw[8 + n + s:8 + n + e], dtype=dtypes[v["dtype"]]).reshape(v["shape"]).copy())
    return out, header.get("__metadata__", {})


def save(path, tensors, meta):
    header, blobs, off = {}, [], 0
    for k, t in tensors.items():
        b = t.detach().contiguous().float().numpy().astype("<f4").tobytes()
        header[k] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    header["__metadata__"] = {k: str(v) for k, v in meta.items()}
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def build(meta):
    import torchvision.models as tvm
    arch = meta["architecture"]
    prefix = "torchvision.models."
    if not arch.startswith(prefix):
        raise SystemExit(f"unsupported architecture {arch!r}")
    name, args = arch[len(prefix):].split("(", 1)
    kwargs = dict(kv.split("=") for kv in args.rstrip(")").split(",") if kv)
    return getattr(tvm, name)(**{k.strip(): int(v) for k, v in kwargs.items()})


def prepared(meta, t, dtype):
    """The fixture's network in train mode, in dtype, and the list its decision points fill in as
    it runs: (module name, module, input, output) per call. ReLUs are made out-of-place so their
    inputs survive; a ReLU module reused inside a block is recorded once per call."""
    m = build(meta)
    state = {k[len("state_dict."):]: v for k, v in t.items() if k.startswith("state_dict.")}
    missing, unexpected = m.load_state_dict(state, strict=False)
    if unexpected or any(not k.endswith("num_batches_tracked") for k in missing):
        raise SystemExit(f"state dict mismatch: missing {missing}, unexpected {unexpected}")
    m = m.to(dtype)
    m.train()
    sites = []
    for name, mod in m.named_modules():
        if isinstance(mod, (nn.ReLU, nn.MaxPool2d)):
            if isinstance(mod, nn.ReLU):
                mod.inplace = False
            mod.register_forward_hook(lambda mod, i, o, name=name: sites.append((name, mod, i[0], o)))
        elif not list(mod.children()) and not isinstance(mod, (nn.Conv2d, nn.BatchNorm2d, nn.AdaptiveAvgPool2d, nn.Linear)):
            raise SystemExit(f"no near-tie analysis for {type(mod).__name__} ({name})")
    return m, sites


def main(fixture, out, error_multiple):
    torch.set_num_threads(1)
    t, meta = load(fixture)
    if meta.get("loss") != "cross_entropy" or meta.get("optimizer") != "sgd":
        raise SystemExit(f"{fixture}: expected cross_entropy + sgd, got {meta.get('loss')} + {meta.get('optimizer')}")
    lr = float(meta["lr"])  # with momentum too: its first step has buffer = gradient
    m, sites = prepared(meta, t, torch.float64)
    m32, sites32 = prepared(meta, t, torch.float32)
    with torch.no_grad():
        m32(t["input"])
    x, target = t["input"].double(), t["target"].long()
    logits = m(x)
    for _, _, _, o in sites:
        o.retain_grad()
    loss = F.cross_entropy(logits, target)
    params = [p for _, p in m.named_parameters()]
    names = [n for n, _ in m.named_parameters()]
    loss.backward(retain_graph=True)
    grads = [p.grad.clone() for p in params]

    # First step of SGD with momentum: the buffer is the gradient, so p -= lr * grad.
    after = {k: v.detach().clone() for k, v in m.state_dict().items() if not k.endswith("num_batches_tracked")}
    with torch.no_grad():
        for n, g in zip(names, grads):
            after[n] = after[n] - lr * g

    slack = {k: torch.zeros_like(v) for k, v in after.items()}  # running statistics: continuous, no slack
    near, worst = 0, (0.0, "none")
    for (name, mod, inp, out_), (_, _, inp32, _) in zip(sites, sites32):
        v = inp.detach()
        rms = v.pow(2).mean().sqrt().item() + 1e-300
        # How close to a decision float32 can land: a multiple of PyTorch's own float32 error at
        # this point (relative to the RMS), at least a few roundings (see the top of this file).
        tau = max(error_multiple * (inp32.double() - v).abs().max().item() / rms, 1e-6)
        g_out = out_.grad
        deltas = []  # (margin / rms, where, gradient change on inp)
        if isinstance(mod, nn.ReLU):
            for idx in (v.abs() < tau * rms).nonzero().tolist():
                d = torch.zeros_like(v)
                d[tuple(idx)] = g_out[tuple(idx)]
                deltas.append((abs(v[tuple(idx)].item()) / rms, f"ReLU input of {name} at {idx}, value {v[tuple(idx)].item():.3g}", d))
        else:
            k, s, p = mod.kernel_size, mod.stride, mod.padding
            if mod.dilation != 1 or mod.ceil_mode:
                raise SystemExit(f"{name}: max pool with dilation or ceil_mode")
            padded = F.pad(v, (p, p, p, p), value=float("-inf"))
            win = padded.unfold(2, k, s).unfold(3, k, s)  # N, C, OH, OW, k, k
            top = win.reshape(*win.shape[:4], k * k).topk(2, dim=-1)
            gap = top.values[..., 0] - top.values[..., 1]
            # A window whose top value is 0 after a ReLU routes its gradient to a clamped input,
            # which passes nothing whichever zero wins (that ReLU's own margin is checked above).
            risky = (gap < tau * rms) & (top.values[..., 0] > 0)
            for idx in risky.nonzero().tolist():
                ni, ci, oh, ow = idx
                d = torch.zeros_like(v)
                for rank, sign in ((0, -1.0), (1, 1.0)):
                    pos = top.indices[ni, ci, oh, ow, rank].item()
                    ih, iw = oh * s - p + pos // k, ow * s - p + pos % k
                    d[ni, ci, ih, iw] += sign * g_out[ni, ci, oh, ow]
                deltas.append((gap[ni, ci, oh, ow].item() / rms, f"max-pool window of {name} at {idx}, top two {gap[ni, ci, oh, ow].item():.3g} apart", d))
        for margin, where, d in deltas:
            near += 1
            moved = torch.autograd.grad(inp, params, d, retain_graph=True, allow_unused=True)
            for n, dg in zip(names, moved):
                if dg is None:
                    continue
                step = lr * dg.abs()
                slack[n] += step
                # How far the flip moves this parameter, in units of the comparison's tolerance (1e-3 relative).
                size = (step / (1e-3 * after[n].abs() + 1e-4)).max().item()
                if size > worst[0]:
                    worst = (size, f"{where} (margin {margin:.2g} of the RMS) moves {n} by up to {size:.3g} tolerances")

    tensors = {"loss": loss.detach().reshape(1)}
    tensors.update({"after." + k: v for k, v in after.items()})
    tensors.update({"slack." + k: v for k, v in slack.items()})
    save(out, tensors, {"near_ties": near, "error_multiple": error_multiple, "worst": worst[1]})
    print(f"loss {loss.item():.9g}, {near} near-tied decisions; worst: {worst[1]}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], float(sys.argv[3]) if len(sys.argv) > 3 else 16)
