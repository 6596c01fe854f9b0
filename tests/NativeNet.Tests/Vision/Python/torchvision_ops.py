"""Reference results of torchvision operations for the C# transforms and ImageFolder.

Usage:
  torchvision_ops.py transforms IN.f32 C H W OUT_DIR   (float32 CHW image in, one .f32 per case out)
  torchvision_ops.py folder ROOT                       (prints "label<TAB>path" per ImageFolder sample)
"""
import sys

import numpy as np
import torch
import torch.nn.functional as F

if sys.argv[1] == "folder":
    from torchvision.datasets import ImageFolder
    ds = ImageFolder(sys.argv[2], loader=lambda p: p)
    for path, label in ds.samples:
        print(f"{label}\t{path}")
    sys.exit(0)

import torchvision.transforms.functional as TF

_, _, src, c, h, w, out = sys.argv
x = torch.from_numpy(np.fromfile(src, dtype="<f4").reshape(1, int(c), int(h), int(w)))
cases = {
    "down_aa": F.interpolate(x, size=(7, 11), mode="bilinear", align_corners=False, antialias=True),
    "down_noaa": F.interpolate(x, size=(7, 11), mode="bilinear", align_corners=False, antialias=False),
    "up_noaa": F.interpolate(x, size=(41, 37), mode="bilinear", align_corners=False, antialias=False),
    "up_aa": F.interpolate(x, size=(41, 37), mode="bilinear", align_corners=False, antialias=True),
    "blur_5_0.8": TF.gaussian_blur(x, [5, 5], [0.8, 0.8]),
    "contrast_1.7": TF.adjust_contrast(x, 1.7),
    "brightness_0.6": TF.adjust_brightness(x, 0.6),
    "center_crop_9x6": TF.center_crop(x, [9, 6]),
    "center_crop_30x40": TF.center_crop(x, [30, 40]),
}
for name, y in cases.items():
    y[0].numpy().astype("<f4").tofile(f"{out}/{name}.f32")
    print(name, *y.shape[1:])
