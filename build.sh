#!/usr/bin/env bash
# Runs the steps of eng/build-steps.txt (all of them, or the ones named) from bash.
# Usage: ./build.sh [--list] [step ...]      e.g. ./build.sh native native-tests
set -euo pipefail
cd "$(dirname "$0")"
steps_file=eng/build-steps.txt
mapfile -t lines < <(grep -v '^\s*#' "$steps_file" | grep -v '^\s*$')
declare -A cmd
order=()
for l in "${lines[@]}"; do name=${l%%:*}; cmd[$name]=${l#*: }; order+=("$name"); done
if [[ ${1:-} == --list ]]; then printf '%s\n' "${order[@]}"; exit 0; fi
want=("$@"); ((${#want[@]})) || want=("${order[@]}")
for s in "${want[@]}"; do
  [[ -n ${cmd[$s]:-} ]] || { echo "build.sh: unknown step '$s' (steps: ${order[*]})" >&2; exit 2; }
  echo "== $s: ${cmd[$s]}"
  t=$SECONDS
  bash -c "${cmd[$s]}"
  echo "== $s: done in $((SECONDS - t)) s"
done
