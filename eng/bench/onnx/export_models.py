"""Exports the ONNX comparison models with torch.onnx.export (Debian's python3-torch / torchvision).

  /usr/bin/python3 eng/bench/onnx/export_models.py OUT_DIR [ANCHORS_DIR]

  - the five `nativenet bench models` networks (mlp_small, mlp_large, lenet, diabetes_cnn, lstm_ecg),
    defined once in ANCHORS_DIR/torch_anchor.py (default: ../shared/anchors beside the repository),
    at their benchmark batch sizes;
  - resnet18 and mobilenet_v2 (torchvision, 3x224x224), exported with a dynamic batch axis and run
    at batch 1 and 8;
  - lstm2_classifier: a 2-layer LSTM (12 -> 128) over 100 steps and a linear head, batch 32.
Every file gets its input name "x", output "y", opset 13, eval mode, constant folding on.
OUT_DIR/models.tsv lists name, file, batch sizes, input shape (the comparison program reads it).
"""
import os
import sys
import warnings

import torch
import torch.nn as nn

here = os.path.dirname(os.path.abspath(__file__))
repo = os.path.abspath(os.path.join(here, "..", "..", ".."))


class Lstm2Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(12, 128, num_layers=2, batch_first=True)
        self.fc = nn.Linear(128, 5)

    def forward(self, x):
        y, _ = self.lstm(x)
        return self.fc(y[:, -1])


def main():
    out = os.path.abspath(sys.argv[1])
    anchors = os.path.abspath(sys.argv[2] if len(sys.argv) > 2 else os.path.join(repo, "..", "shared", "anchors"))
    sys.path.insert(0, anchors)
    try:
        from torch_anchor import MODELS  # the reference definitions `nativenet bench models` mirrors
    except ImportError:
        sys.exit(f"export_models.py: torch_anchor.py not found in {anchors}; pass the anchors folder as the second argument")
    os.makedirs(out, exist_ok=True)
    warnings.filterwarnings("ignore")
    torch.manual_seed(0)
    cases = []  # (name, module, sample shape, batches, dynamic)
    for name in ["mlp_small", "mlp_large", "lenet", "diabetes_cnn", "lstm_ecg"]:
        mk, shape, _ = MODELS[name]
        cases.append((name, mk(), tuple(shape[1:]), [shape[0]], False))
    import torchvision.models as tvm
    cases.append(("resnet18", tvm.resnet18(), (3, 224, 224), [1, 8], True))
    cases.append(("mobilenet_v2", tvm.mobilenet_v2(), (3, 224, 224), [1, 8], True))
    cases.append(("lstm2_classifier", Lstm2Classifier(), (100, 12), [32], False))
    with open(os.path.join(out, "models.tsv"), "w") as tsv:
        for name, m, sample, batches, dynamic in cases:
            m.eval()
            x = torch.randn(batches[0], *sample)
            path = os.path.join(out, name + ".onnx")
            axes = {"x": {0: "batch"}, "y": {0: "batch"}} if dynamic else None
            with torch.no_grad():
                torch.onnx.export(m, x, path, opset_version=13, input_names=["x"], output_names=["y"],
                                  dynamic_axes=axes, do_constant_folding=True)
            tsv.write(f"{name}\t{name}.onnx\t{','.join(map(str, batches))}\t{'x'.join(map(str, sample))}\n")
            print(f"export_models: {name} batches {batches} -> {path} ({os.path.getsize(path) / 1e6:.1f} MB)", file=sys.stderr)


if __name__ == "__main__":
    main()
