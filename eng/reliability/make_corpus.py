#!/usr/bin/env python3
"""Writes the seed corpora of the managed mutation harness (tests/NativeNet.Tests/Reliability/corpus).

Stdlib only (struct, json, zipfile), so the seeds are reproducible without numpy or torch.
Each seed is small (< 2 KB) and valid: the harness mutates them, and a valid start means the
mutations probe the checks deep inside each reader, not only its first magic-byte test.
Run from the repository root: python3 eng/reliability/make_corpus.py
"""
import io, json, os, struct, zipfile

ROOT = os.path.join("tests", "NativeNet.Tests", "Reliability", "corpus")


def write(kind, name, data):
    d = os.path.join(ROOT, kind)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def safetensors(entries, metadata=None):
    header, blob = {}, b""
    if metadata:
        header["__metadata__"] = metadata
    for name, dtype, shape, raw in entries:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(blob), len(blob) + len(raw)]}
        blob += raw
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    return struct.pack("<Q", len(h)) + h + blob


def npy(descr, shape, raw, major=1, fortran=False):
    h = "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }" % (
        descr, "True" if fortran else "False", "(" + "".join(f"{d}, " for d in shape).rstrip(", ") + ("," if len(shape) == 1 else "") + ")")
    prefix = 10 if major == 1 else 12
    h = h + " " * (-(prefix + len(h) + 1) % 64) + "\n"
    size = struct.pack("<H", len(h)) if major == 1 else struct.pack("<I", len(h))
    return b"\x93NUMPY" + bytes([major, 0]) + size + h.encode("latin1") + raw


def f32(*v):
    return struct.pack(f"<{len(v)}f", *v)


# safetensors: float, half and integer dtypes, metadata, an empty tensor
write("safetensors", "mixed.safetensors", safetensors([
    ("layer.weight", "F32", [2, 3], f32(1, 2, 3, 4, 5, 6)),
    ("layer.bias", "F16", [2], struct.pack("<2e", 0.5, -1.5)),
    ("steps", "I64", [], struct.pack("<q", 7)),
    ("mask", "BOOL", [3], b"\x01\x00\x01"),
], {"format": "pt", "note": "seed"}))
write("safetensors", "empty_tensor.safetensors", safetensors([("x", "F32", [0, 4], b""), ("y", "BF16", [1], b"\x80\x3f")]))

# npy: v1 float32, v2 int64 2-D, fortran order, big-endian, bool
write("npy", "f4_v1.npy", npy("<f4", [4], f32(0.5, 1, -2, 3.25)))
write("npy", "i8_v2_2d.npy", npy("<i8", [2, 2], struct.pack("<4q", 1, -2, 3, 4), major=2))
write("npy", "f8_fortran.npy", npy("<f8", [2, 3], struct.pack("<6d", 1, 4, 2, 5, 3, 6), fortran=True))
write("npy", "f4_bigendian.npy", npy(">f4", [3], struct.pack(">3f", 1, 2, 3)))
write("npy", "u1_scalar_bool.npy", npy("|b1", [2], b"\x01\x00"))

# npz: an image set as ImageNpz expects (stored and deflated entries)
for name, method in (("images_stored.npz", zipfile.ZIP_STORED), ("images_deflated.npz", zipfile.ZIP_DEFLATED)):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as z:
        z.writestr("images.npy", npy("|u1", [2, 2, 2], bytes(range(8))))
        z.writestr("labels.npy", npy("<i8", [2], struct.pack("<2q", 0, 1)))
    write("npz", name, buf.getvalue())

# csv: numeric + categorical + quoted fields + missing values
write("csv", "mixed.csv", b'age,sex,"note, free",target\n63,M,"said ""hi""",1\n41,F,plain,0\n55,M,"multi\nline",1\n')
write("csv", "numeric.csv", b"x1,x2,x3,target\n0.5,1e-3,-2,0\n1.5,2E2,3,1\n-0.25,0,4.5,0\n")

# architecture: the module specs Model.Save writes into "nativenet.architecture"
def spec(t, config=None, children=None):
    s = {"Type": t, "Config": config or {}}
    if children:
        s["Children"] = [{"Name": n, "Spec": c} for n, c in children]
    return s

mlp = spec("Sequential", children=[
    ("0", spec("Linear", {"in_features": 4, "out_features": 8, "bias": True})),
    ("1", spec("ReLU")), ("2", spec("Dropout", {"p": 0.25})),
    ("3", spec("Linear", {"in_features": 8, "out_features": 2})), ("4", spec("LogSoftmax", {"dim": -1}))])
cnn = spec("Sequential", children=[
    ("0", spec("Conv2d", {"in_channels": 1, "out_channels": 2, "kernel_size": [3, 3], "padding": [1, 1]})),
    ("1", spec("BatchNorm2d", {"num_features": 2, "momentum": 0.1})), ("2", spec("MaxPool2d", {"kernel_size": [2, 2]})),
    ("3", spec("Flatten", {"start_dim": 1})), ("4", spec("Linear", {"in_features": 8, "out_features": 3}))])
rnn = spec("Sequential", children=[
    ("0", spec("Embedding", {"num_embeddings": 10, "embedding_dim": 4, "padding_idx": 0})),
    ("1", spec("GRU", {"input_size": 4, "hidden_size": 3, "num_layers": 2, "bidirectional": True, "batch_first": True})),
    ("2", spec("LayerNorm", {"normalized_shape": [6]}))])
for name, s in (("mlp.json", mlp), ("cnn.json", cnn), ("rnn.json", rnn)):
    write("architecture", name, json.dumps(s, indent=2).encode())
