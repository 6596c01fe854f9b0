#!/usr/bin/env bash
# Bounded fuzz run: every native/fuzz target for SECONDS each (default 12: 7 targets ~ 85 s),
# starting from its committed seed corpus (native/fuzz/corpus/<target>, read only: new inputs
# go to a scratch copy). Prints execs and corpus size per target; exits non-zero on the first
# crash, leak, timeout or broken promise, leaving the input in $BUILD/fuzz-artifacts/.
# Usage: native/fuzz/run.sh BUILD_DIR [SECONDS]     (BUILD_DIR configured with NN_BUILD_FUZZ=ON)
set -euo pipefail
build=${1:?usage: run.sh BUILD_DIR [SECONDS]}
seconds=${2:-12}
here=$(cd "$(dirname "$0")" && pwd)
artifacts=$build/fuzz-artifacts
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$artifacts"
# 2 threads in the library's pool; ASan: fail on the first report, no leak check per input
# (LeakSanitizer still runs at exit); UBSan aborts (the objects use -fno-sanitize-recover).
export NATIVENET_NUM_THREADS=2 ASAN_OPTIONS=abort_on_error=1:detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1
total_execs=0
printf '%-14s %10s %8s %8s\n' target execs seconds corpus
for bin in "$build"/native/fuzz/fuzz_*; do
  [[ -x $bin && -f $bin ]] || continue
  name=$(basename "$bin")
  seeds=$here/corpus/$name
  mkdir -p "$scratch/$name"
  log=$scratch/$name.log
  start=$SECONDS
  # -detect_leaks=0: libFuzzer's per-input check (run when an input mallocs more than it frees)
  # reports the pool workers' per-thread scratch, allocated on a worker's first use inside an
  # input and owned by that thread until it exits, as a direct leak (LSan does not find the
  # worker's thread-specific pointer while the workers run). Leaks stay covered by
  # LeakSanitizer in the ASan GoogleTest suite (native-asan) and at this process's exit.
  if ! "$bin" -seed=1 -max_total_time="$seconds" -max_len=512 -timeout=10 -rss_limit_mb=2048 -detect_leaks=0 \
       -artifact_prefix="$artifacts/$name-" -print_final_stats=1 "$scratch/$name" "$seeds" >"$log" 2>&1; then
    tail -n 60 "$log"
    echo "native-fuzz: $name FAILED; input saved under $artifacts/" >&2
    exit 1
  fi
  execs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$' || echo 0)
  corpus=$(find "$scratch/$name" "$seeds" -type f 2>/dev/null | wc -l)
  total_execs=$((total_execs + execs))
  printf '%-14s %10d %8d %8d\n' "$name" "$execs" "$((SECONDS - start))" "$corpus"
done
echo "native-fuzz: $total_execs inputs, no crash"
