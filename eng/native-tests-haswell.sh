#!/usr/bin/env bash
# The whole native test suite on an emulated AVX2-only CPU (qemu-user -cpu Haswell: QEMU's TCG
# runs AVX2 and FMA, no AVX-512) with no ISA cap, so dispatch picks AVX2 for real and any AVX-512
# instruction reachable from it is a SIGILL. Emulation runs the suite ~40x slower than the host
# and most of it (the scalar references) on one thread, so the suite runs as GoogleTest shards,
# one per core, side by side. Non-zero when any shard fails.
# Usage: eng/native-tests-haswell.sh [test binary]
set -uo pipefail
bin=${1:-artifacts/native-tests/host/native/tests/nativenet_tests}
[[ -x $bin ]] || { echo "native-tests-haswell: no test binary at $bin (run ./build.sh native first)" >&2; exit 2; }
shards=$(nproc 2>/dev/null || echo 2)
((shards >= 1)) || shards=1
logs=$(mktemp -d)
pids=()
for ((i = 0; i < shards; i++)); do
  GTEST_TOTAL_SHARDS=$shards GTEST_SHARD_INDEX=$i NATIVENET_NUM_THREADS=2 \
    qemu-x86_64 -cpu Haswell "$bin" --gtest_brief=1 >"$logs/$i.log" 2>&1 &
  pids+=($!)
done
rc=0
for ((i = 0; i < shards; i++)); do
  wait "${pids[$i]}" || rc=1
  # QEMU names every Haswell feature its TCG lacks (TSX, PCID, ...) once per start: not ours.
  grep -v '^qemu-x86_64: warning: TCG' "$logs/$i.log" | sed "s/^/[shard $i] /"
done
rm -rf "$logs"
exit $rc
