#!/usr/bin/env bash
# Long run of the CLI mutation harness (tests/NativeNet.Tests/Cli/Hostile/CliMutationHarnessTests.cs)
# and of train's kill sweep (TrainPairKillSweepTests.cs): N generated hostile command lines, each a
# child process (default 10,000), and K SIGKILLs in train's final second (default 200). Figures
# (exit-code histogram, max peak RSS, max time, mixed pairs) are appended to a report file.
# The CI run (dotnet test) does 120 cases and 3 kills.
# Usage: eng/reliability/cli-mutate.sh [cases] [kills] [report-file] [workers]
set -euo pipefail
cd "$(dirname "$0")/../.."
cases=${1:-10000}
kills=${2:-200}
report=${3:-artifacts/reliability/cli-mutations.txt}
workers=${4:-$(nproc)}
mkdir -p "$(dirname "$report")"
case $report in /*) ;; *) report=$PWD/$report ;; esac
echo "# $(date -u +%FT%TZ) $(git rev-parse --short HEAD): $cases cases, $kills kills" >> "$report"
NATIVENET_CLI_CASES=$cases NATIVENET_CLI_WORKERS=$workers NATIVENET_KILL_SWEEP=$kills NATIVENET_CLI_REPORT=$report \
  dotnet test tests/NativeNet.Tests -c Release \
  --filter "FullyQualifiedName~Cli.Hostile.CliMutationHarnessTests|FullyQualifiedName~Cli.Hostile.TrainPairKillSweepTests"
cat "$report"
