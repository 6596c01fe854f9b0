"""Writes the .pth files the PyTorch-checkpoint tests read, each with a safetensors reference of
what it holds (st_io, contiguous, same dtypes):
  resnet18.pth   torch.save(torchvision.models.resnet18().state_dict())
  mixed.pth      float16 / bfloat16 / int64 / float32 tensors, a storage shared by several tensors,
                 views with offsets, a transposed (strided) view, a 0-d tensor, an empty tensor
  mixed_legacy.pth   the same tensors in the legacy (pre-1.6) format
  evil.pth       a zip-format file whose pickle calls os.system (must be refused, never run)
  evil_legacy.pth    the same in the legacy format
usage: pth_files.py OUTDIR MARKER_PATH"""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import st_io  # noqa: E402

out, marker = sys.argv[1], sys.argv[2]
torch.manual_seed(3)

import torchvision  # noqa: E402
sd = torchvision.models.resnet18().state_dict()
torch.save(sd, os.path.join(out, "resnet18.pth"))
st_io.save(os.path.join(out, "resnet18.reference.safetensors"), sd)

base = torch.randn(6, 8)
mixed = {
    "half": torch.randn(3, 5).half(),
    "bf16": torch.randn(4, 2).bfloat16(),
    "long": torch.arange(-5, 7, dtype=torch.int64).reshape(3, 4),
    "base": base,
    "rows": base[2:5],              # same storage, offset 16
    "cols": base[1:, ::3],          # same storage, offset 8, strides (8, 3)
    "transposed": base.t(),         # strides (1, 8)
    "scalar": torch.tensor(7, dtype=torch.int64),
    "empty": torch.zeros(0, 3),
}
torch.save(mixed, os.path.join(out, "mixed.pth"))
st_io.save(os.path.join(out, "mixed.reference.safetensors"), {k: v.contiguous() for k, v in mixed.items()})

torch.save(mixed, os.path.join(out, "mixed_legacy.pth"), _use_new_zipfile_serialization=False)


class Evil:
    def __reduce__(self):
        return (os.system, ("touch " + marker,))


torch.save({"w": torch.ones(2), "x": Evil()}, os.path.join(out, "evil.pth"))
torch.save({"w": torch.ones(2), "x": Evil()}, os.path.join(out, "evil_legacy.pth"), _use_new_zipfile_serialization=False)
print("ok")
