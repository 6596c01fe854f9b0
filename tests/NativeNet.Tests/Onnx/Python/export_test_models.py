"""Exports small PyTorch models covering the ONNX import's operator list with torch.onnx.export.

  export_test_models.py OUT_DIR [SEED]

For each model: OUT_DIR/<name>.onnx (dynamic batch axis), and for two batch sizes
<name>.b<B>.input.npy and <name>.b<B>.torch.npy (PyTorch's output, eval mode). The weights and
inputs are random (SEED), so the test holds for any seed.
"""
import os
import sys
import warnings

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class Residual(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c1 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.b1 = nn.BatchNorm2d(c)
        self.c2 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.b2 = nn.BatchNorm2d(c)

    def forward(self, x):
        return F.relu(self.b2(self.c2(F.relu(self.b1(self.c1(x))))) + x)


class Cnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 3, stride=2, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(3, 2, 1))
        self.block = Residual(8)
        self.dw = nn.Sequential(nn.Conv2d(8, 8, 3, padding=1, groups=8), nn.BatchNorm2d(8), nn.Hardswish(), nn.Conv2d(8, 16, 1), nn.ReLU6())
        self.pool = nn.AvgPool2d(2)
        self.head = nn.Linear(16, 5)

    def forward(self, x):
        x = self.pool(self.dw(self.block(self.stem(x))))
        x = F.adaptive_avg_pool2d(x, 1)
        return self.head(x.view(x.size(0), -1))


class InvertedResidual(nn.Module):
    """MobileNetV2's block: 1x1 expansion + ReLU6, depthwise 3x3 + ReLU6, 1x1 projection, skip when shapes allow."""

    def __init__(self, cin, cout, stride, expand):
        super().__init__()
        hidden = cin * expand
        self.skip = stride == 1 and cin == cout
        self.body = nn.Sequential(
            nn.Conv2d(cin, hidden, 1, bias=False), nn.BatchNorm2d(hidden), nn.ReLU6(),
            nn.Conv2d(hidden, hidden, 3, stride=stride, padding=1, groups=hidden, bias=False), nn.BatchNorm2d(hidden), nn.ReLU6(),
            nn.Conv2d(hidden, cout, 1, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        return x + self.body(x) if self.skip else self.body(x)


class MobileNetLike(nn.Module):
    """A small MobileNetV2: channel counts that are not multiples of 16, stride-2 depthwise layers, odd planes."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 16, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU6())
        self.blocks = nn.Sequential(InvertedResidual(16, 16, 1, 3), InvertedResidual(16, 24, 2, 3),
                                    InvertedResidual(24, 24, 1, 6), InvertedResidual(24, 40, 2, 4))
        self.last = nn.Sequential(nn.Conv2d(40, 72, 1, bias=False), nn.BatchNorm2d(72), nn.ReLU6())
        self.head = nn.Linear(72, 6)

    def forward(self, x):
        x = self.last(self.blocks(self.stem(x)))
        return self.head(F.adaptive_avg_pool2d(x, 1).flatten(1))


class Misc(nn.Module):
    """Element-wise ops, layout ops and normalization on a [B, 6, 8] input."""

    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(8, 12)
        self.ln = nn.LayerNorm(12)
        self.gelu = nn.GELU()
        self.bn = nn.BatchNorm1d(6)

    def forward(self, x):
        h = self.gelu(self.ln(self.lin(x)))                      # MatMul+Add, LayerNorm, GELU (Erf)
        a, b = torch.split(h, [5, 7], dim=2)                      # Split
        h = torch.cat([torch.sigmoid(a) * 2 - 1, torch.tanh(b)], dim=2)  # Concat, Sigmoid, Tanh, Mul, Sub
        h = h.transpose(1, 2)                                     # Transpose [B, 12, 6]
        h = F.leaky_relu(h, 0.1) + F.hardsigmoid(h) + torch.exp(-h.abs()) + torch.sqrt(h * h + 1) + torch.log(h * h + 1)
        h = F.pad(h, (1, 2))                                      # Pad [B, 12, 9]
        h = h[:, 1:11:2, :]                                       # Slice with a step [B, 5, 9]
        h = self.bn(h.transpose(1, 2)[:, :6, :])                  # BatchNorm1d on [B, 6, 5]
        m = h.mean(dim=2, keepdim=True)                            # ReduceMean
        s = (h - m).pow(2).sum(dim=1)                             # Pow, ReduceSum -> [B, 5]
        return torch.cat([F.softmax(s, dim=1), F.log_softmax(h.flatten(1), dim=1)], dim=1)


class Seq(nn.Module):
    """Conv1d, ConvTranspose2d, upsampling and Gather on small inputs."""

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv1d(4, 6, 5, padding=2)
        self.up = nn.ConvTranspose2d(6, 3, 3, stride=2, padding=1, output_padding=1)
        self.fc = nn.Linear(3 * 8 * 8 + 6, 4)

    def forward(self, x):                                          # x [B, 4, 16]
        h = F.relu(self.c1(x))                                     # [B, 6, 16]
        img = h.view(h.size(0), 6, 4, 4)                           # Shape/Gather/Concat/Reshape
        img = torch.tanh(self.up(img))                             # [B, 3, 8, 8]
        img = F.interpolate(img, scale_factor=2, mode="nearest")   # Resize [B, 3, 16, 16]
        img = F.avg_pool2d(img, 2)                                 # [B, 3, 8, 8]
        last = h[:, :, -1]                                         # Gather [B, 6]
        return self.fc(torch.cat([img.flatten(1), last], dim=1))


class Rnn(nn.Module):
    """A 2-layer LSTM classifier and a bidirectional GRU, batch-first like the ECG sample."""

    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(5, 12, num_layers=2, batch_first=True)
        self.gru = nn.GRU(12, 7, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(14, 3)

    def forward(self, x):
        y, _ = self.lstm(x)
        y, h = self.gru(y)
        return self.fc(y[:, -1, :])


class Elman(nn.Module):
    """Elman RNNs (ONNX RNN): a 2-layer bidirectional tanh one, then a relu one whose initial state
    comes from the input and whose final state (Y_h) feeds the head."""

    def __init__(self):
        super().__init__()
        self.tanh = nn.RNN(5, 8, num_layers=2, batch_first=True, bidirectional=True)
        self.init = nn.Linear(5, 6)
        self.relu = nn.RNN(16, 6, nonlinearity="relu", batch_first=True)
        self.fc = nn.Linear(6, 3)

    def forward(self, x):
        y, _ = self.tanh(x)
        h0 = torch.tanh(self.init(x[:, 0, :])).unsqueeze(0)
        _, h = self.relu(y, h0)
        return self.fc(h[0])


class PadModes(nn.Module):
    """Pad in its three modes: reflect and replicate (edge) around convolutions, constant last."""

    def __init__(self):
        super().__init__()
        self.reflect = nn.ReflectionPad2d((1, 2, 3, 0))
        self.conv1 = nn.Conv2d(3, 4, 3)
        self.edge = nn.ReplicationPad2d((0, 2, 1, 1))
        self.conv2 = nn.Conv2d(4, 2, 3)
        self.constant = nn.ConstantPad2d((2, 0, 0, 1), 0.5)

    def forward(self, x):
        return self.constant(self.conv2(self.edge(self.conv1(self.reflect(x)))))


class CeilPools(nn.Module):
    """Max pooling with ceil_mode (GoogLeNet's and SqueezeNet's), after a convolution and on padding."""

    def __init__(self):
        super().__init__()
        self.pool1 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.conv = nn.Conv2d(3, 5, 3, padding=1)
        self.pool2 = nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True)
        self.pool3 = nn.MaxPool2d((3, 2), stride=(2, 3), ceil_mode=True)

    def forward(self, x):
        return self.pool3(self.pool2(torch.relu(self.conv(self.pool1(x)))))


MODELS = {
    # name: (module, input shape without the batch, opset)
    "cnn_resnet_block": (Cnn, (3, 32, 32), 13),
    "cnn_resnet_block_opset11": (Cnn, (3, 32, 32), 11),
    "mobilenet_like": (MobileNetLike, (3, 37, 29), 13),
    "misc_ops": (Misc, (6, 8), 14),
    "misc_ops_opset17": (Misc, (6, 8), 17),
    "seq_conv1d_deconv": (Seq, (4, 16), 13),
    "rnn_lstm_gru": (Rnn, (9, 5), 14),
    "rnn_elman": (Elman, (7, 5), 14),
    "pad_modes": (PadModes, (3, 9, 8), 13),
    "pool_ceil_mode": (CeilPools, (3, 17, 20), 13),
    "mlp": (lambda: nn.Sequential(nn.Linear(10, 32), nn.BatchNorm1d(32), nn.ReLU(), nn.Dropout(0.3), nn.Linear(32, 16), nn.Sigmoid(),
                                  nn.Linear(16, 4), nn.Softmax(dim=1)), (10,), 12),
}


def main():
    out = sys.argv[1]
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    os.makedirs(out, exist_ok=True)
    warnings.filterwarnings("ignore")
    for name, (make, shape, opset) in MODELS.items():
        torch.manual_seed(seed)
        m = make()
        # move BatchNorm statistics away from (0, 1) so folding them is tested
        with torch.no_grad():
            for mod in m.modules():
                if isinstance(mod, nn.modules.batchnorm._BatchNorm):
                    mod.running_mean.uniform_(-0.5, 0.5)
                    mod.running_var.uniform_(0.5, 2.0)
                    mod.weight.uniform_(0.5, 1.5)
                    mod.bias.uniform_(-0.5, 0.5)
        m.eval()
        x = torch.randn(2, *shape)
        path = os.path.join(out, name + ".onnx")
        torch.onnx.export(m, x, path, opset_version=opset, input_names=["x"], output_names=["y"],
                          dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}}, do_constant_folding=True)
        for b in (2, 3):
            xb = torch.randn(b, *shape)
            with torch.no_grad():
                y = m(xb)
            np.save(os.path.join(out, f"{name}.b{b}.input.npy"), xb.numpy())
            np.save(os.path.join(out, f"{name}.b{b}.torch.npy"), y.numpy())
        print(f"{name}: opset {opset}, {os.path.getsize(path)} bytes")


if __name__ == "__main__":
    main()
