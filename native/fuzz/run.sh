#!/usr/bin/env bash
# Bounded fuzz run: every native/fuzz target for SECONDS each (default 12), two targets at a time,
# starting from its committed seed corpus (native/fuzz/corpus/<target>, read only: new inputs
# go to a scratch copy). Prints execs and corpus size per target; exits non-zero after a
# crash, leak, timeout or broken promise in any target, leaving the input in $BUILD/fuzz-artifacts/.
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
# Two targets at a time (FUZZ_JOBS): each libFuzzer process is single-threaded apart from the
# library's pool, so on a 2-core machine the pairs take about half the wall time of a sequence.
jobs=${FUZZ_JOBS:-2}

# One target: its log in $scratch/<name>.log, its summary line in $scratch/<name>.row.
fuzz_one() {
  local bin=$1 name seeds log start execs corpus
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
    return 1
  fi
  execs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$' || echo 0)
  corpus=$(find "$scratch/$name" "$seeds" -type f 2>/dev/null | wc -l)
  printf '%-14s %10d %8d %8d\n' "$name" "$execs" "$((SECONDS - start))" "$corpus" >"$scratch/$name.row"
}

targets=()
for bin in "$build"/native/fuzz/fuzz_*; do
  [[ -x $bin && -f $bin ]] && targets+=("$bin")
done
declare -A pid_of
failed=""
for bin in "${targets[@]}"; do
  while (($(jobs -rp | wc -l) >= jobs)); do wait -n || true; done
  fuzz_one "$bin" &
  pid_of[$bin]=$!
done
for bin in "${targets[@]}"; do
  wait "${pid_of[$bin]}" || failed+=" $(basename "$bin")"
done

printf '%-14s %10s %8s %8s\n' target execs seconds corpus
total_execs=0
for bin in "${targets[@]}"; do
  name=$(basename "$bin")
  if [[ -f $scratch/$name.row ]]; then
    cat "$scratch/$name.row"
    total_execs=$((total_execs + $(awk '{print $2}' "$scratch/$name.row")))
  fi
done
if [[ -n $failed ]]; then
  for name in $failed; do
    tail -n 60 "$scratch/$name.log"
    echo "native-fuzz: $name FAILED; input saved under $artifacts/" >&2
  done
  exit 1
fi
echo "native-fuzz: $total_execs inputs, no crash"
