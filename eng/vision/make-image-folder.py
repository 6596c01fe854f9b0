#!/usr/bin/python3
"""Writes a folder of generated PNG images in class sub-folders, for the memory check of
`nativenet train --data <folder> --image-size N` on a large folder (docs/vision.md).

Each image is a smooth background gradient with one bright shape: a disc (class "disc") or a
square (class "square") at a random place and size, so a CNN has something to learn. The images
are not committed: generate them where there is room (20,000 of 512x512 take about 0.5 GB).

With --distinct N only N images are drawn and the others are hard links to them (a memory check
needs many files, not many different pictures, and drawing 20,000 takes minutes).

Usage (Debian python3 with python3-pil and numpy):
  eng/vision/make-image-folder.py OUT [--count 20000] [--size 512] [--seed 1] [--distinct N]
"""
import argparse
import os
import random

import numpy as np
from PIL import Image


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--count", type=int, default=20000)
    ap.add_argument("--size", type=int, default=512)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--distinct", type=int, default=0, help="draw only this many images; the rest are hard links to them")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    n = a.size
    yy, xx = np.mgrid[0:n, 0:n].astype(np.float32)
    for cls in ("disc", "square"):
        os.makedirs(os.path.join(a.out, cls), exist_ok=True)
    distinct = a.distinct if 0 < a.distinct < a.count else a.count
    for i in range(a.count):
        cls = ("disc", "square")[i % 2]
        path = os.path.join(a.out, cls, f"{i:06d}.png")
        if i >= distinct:  # same class: i and i % distinct have the same parity when distinct is even
            src = i % distinct if distinct % 2 == 0 else (i % distinct) // 2 * 2 + i % 2
            os.link(os.path.join(a.out, cls, f"{src:06d}.png"), path)
            continue
        angle = rng.uniform(0, 2 * np.pi)
        base = 60 + 40 * (np.cos(angle) * xx + np.sin(angle) * yy) / n
        r = rng.uniform(0.08, 0.25) * n
        cx, cy = rng.uniform(r, n - r), rng.uniform(r, n - r)
        inside = ((xx - cx) ** 2 + (yy - cy) ** 2 <= r * r) if cls == "disc" else ((abs(xx - cx) <= r) & (abs(yy - cy) <= r))
        grey = np.where(inside, 200.0, base)
        tint = np.array([1.0, rng.uniform(0.85, 1.0), rng.uniform(0.85, 1.0)], dtype=np.float32)
        rgb = np.clip(grey[..., None] * tint, 0, 255).astype(np.uint8)
        Image.fromarray(rgb, "RGB").save(path, optimize=False, compress_level=1)
    print(f"wrote {a.count} {n}x{n} PNG images ({distinct} distinct) to {a.out}")


if __name__ == "__main__":
    main()
