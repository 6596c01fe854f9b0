#!/usr/bin/env bash
# The native test suite on an emulated AVX2-only CPU (qemu-user -cpu Haswell: QEMU's TCG runs
# AVX2 and FMA, no AVX-512) with no ISA cap, so dispatch picks AVX2 for real and any AVX-512
# instruction reachable from it is a SIGILL. Tests run as GoogleTest shards, one per core.
#
# What this run proves beyond the host suite: that dispatch picks the AVX2 tables on a CPU that
# reports no AVX-512, and that the code reached from them runs there. The linkage half of that
# proof (no function compiled for one ISA can be reached from another's objects) is static and
# complete over every object: ctest's native.isa_objects_no_shared_symbols and
# native.isa_objects_no_load_time_code. The AVX2 kernels' results are checked on the host under
# NATIVENET_MAX_ISA=avx2 (ctest native.avx2.0 and .1), on the same tests.
#
# So this run leaves out the tests whose cost under emulation is reference arithmetic and large
# sweeps rather than reach: thread-count equality (the same kernels as their suite's other
# tests, split over threads) and reference sweeps, listed in eng/emulated-left-out.txt. Every
# suite keeps tests that call its kernels through the dispatched tables. TCG's speed differs ~15x between hosts: the whole
# suite took 64 s on a 2-core Zen 5 (2026-12-04) and 977 s on a 2-core Emerald Rapids
# (2026-12-05); the tests left out were 90% of the host suite's time under the avx2 cap, and the
# longest under TCG (Conv2dBackwardDirect.MatchesReference 131 s, ConvWinograd's thread test
# 254 s, on a loaded Emerald Rapids). NATIVENET_HASWELL_ALL=1 runs everything.
# Usage: eng/native-tests-haswell.sh [test binary]
set -uo pipefail
bin=${1:-artifacts/native-tests/host/native/tests/nativenet_tests}
[[ -x $bin ]] || { echo "native-tests-haswell: no test binary at $bin (run ./build.sh native first)" >&2; exit 2; }
# The list is shared with the arm64 scalar run (see the file's header).
mapfile -t left_out < <(grep -E '^[A-Za-z]' "$(dirname "$0")/emulated-left-out.txt")
filter="-$(IFS=:; echo "${left_out[*]}")"
[[ ${NATIVENET_HASWELL_ALL:-0} == 1 ]] && filter='*'
# A renamed test would quietly come back into the emulated run: every name must still exist.
listed=$("$bin" --gtest_list_tests | awk '/^[^ ]/ {suite=$1} /^  / {print suite $1}')
for t in "${left_out[@]}"; do
  grep -qxF "$t" <<<"$listed" || { echo "native-tests-haswell: left_out names '$t', which is not a test" >&2; exit 2; }
done
shards=$(nproc 2>/dev/null || echo 2)
((shards >= 1)) || shards=1
logs=$(mktemp -d)
pids=()
for ((i = 0; i < shards; i++)); do
  GTEST_TOTAL_SHARDS=$shards GTEST_SHARD_INDEX=$i NATIVENET_NUM_THREADS=2 \
    qemu-x86_64 -cpu Haswell "$bin" --gtest_brief=1 "--gtest_filter=$filter" >"$logs/$i.log" 2>&1 &
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
