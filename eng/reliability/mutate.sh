#!/usr/bin/env bash
# Long run of the managed mutation harness (tests/NativeNet.Tests/Reliability/MutationHarnessTests.cs):
# N mutations per reader (default 25,000: 150,000 inputs over the six readers, ONNX import included), figures appended
# to a report file. The CI run (dotnet test) does 1,500 per reader.
# Usage: eng/reliability/mutate.sh [mutations-per-reader] [report-file]
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-25000}
report=${2:-artifacts/reliability/mutations.txt}
mkdir -p "$(dirname "$report")"
echo "# $(date -u +%FT%TZ) $(git rev-parse --short HEAD): $n mutations per reader" >> "$report"
NATIVENET_MUTATIONS=$n NATIVENET_MUTATION_REPORT=$PWD/$report \
  dotnet test tests/NativeNet.Tests -c Release --filter "FullyQualifiedName~Reliability.MutationHarnessTests"
cat "$report"
