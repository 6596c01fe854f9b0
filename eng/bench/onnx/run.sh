#!/usr/bin/env bash
# CNN inference speed in one run, from the repository root with the Release build done:
#   1. ONNX Runtime 1.32 vs NativeNet on the comparison models (eng/bench/onnx/OnnxCompare: same
#      process, interleaved, outputs checked), 1 and 2 threads: ort_ms / nativenet_ms per case and
#      the geometric means;
#   2. nativenet bench models for resnet18 and mobilenet_v2 (batch 8, 3x224x224): infer and
#      train_step, JSON lines.
# Usage: eng/bench/onnx/run.sh [OUT_DIR]   (OUT_DIR: where the models are exported; /tmp/onnxbench)
# About 5 minutes on an idle 2-core Zen 5.
set -euo pipefail
cd "$(dirname "$0")/../../.."
out=${1:-/tmp/onnxbench}
echo "== exporting the comparison models to $out"
/usr/bin/python3 eng/bench/onnx/export_models.py "$out" >/dev/null
echo "== ONNX Runtime vs NativeNet, 1 and 2 threads"
dotnet run -c Release --project eng/bench/onnx/OnnxCompare -- "$out" --threads 1 2 --min-time 0.3
echo "== nativenet bench models: resnet18, mobilenet_v2"
src/NativeNet.Cli/bin/Release/net10.0/NativeNet.Cli bench models --model resnet18 --model mobilenet_v2 --json
