#!/usr/bin/env bash
# Fuzzing: runs each cargo-fuzz target of fuzz/ for a while (default 600 s each, or the
# seconds given first), starting from the seed corpus in fuzz/seeds/<target>/, and prints
# each target's executions and coverage. New inputs go to .data/fuzz/<target>/ (not
# committed); a crash is written to fuzz/artifacts/<target>/ and the script fails: copy it
# to fuzz/regressions/<target>/, where the test suite replays it (`fuzz_seeds_and_regressions_replay_without_a_panic` in server/tests/it/signing.rs).
#
#   scripts/fuzz.sh            every target, 10 minutes each
#   scripts/fuzz.sh 60 inspect one target, a minute
source "$(dirname "$0")/lib.sh"

seconds="${1:-600}"
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(lazy_reader inspect validate cms mrz intake)

rustup toolchain list | grep -q '^nightly' || { log "installing the nightly toolchain (cargo-fuzz needs it)"; rustup toolchain install nightly --profile minimal; }
command -v cargo-fuzz >/dev/null || { log "installing cargo-fuzz (a few minutes, once)"; cargo install cargo-fuzz --locked --quiet; }
# The fuzz crate has its own target dir: instrumented builds never mix with the others.
export CARGO_TARGET_DIR="${FUZZ_TARGET_DIR:-$ROOT/fuzz/target}"

status=0
report=()
for target in "${targets[@]}"; do
  corpus="$ROOT/.data/fuzz/$target"
  mkdir -p "$corpus" "$ROOT/fuzz/artifacts/$target" "$ROOT/fuzz/seeds/$target"
  log "fuzzing $target for ${seconds}s"
  log_file="$ROOT/.data/fuzz/$target.log"
  if ! (cd fuzz && cargo +nightly fuzz run "$target" "$corpus" "$ROOT/fuzz/seeds/$target" -- \
      -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2560 -max_len=262144 \
      -artifact_prefix="$ROOT/fuzz/artifacts/$target/" -print_final_stats=1) >"$log_file" 2>&1; then
    status=1
    log "$target: a crash, see $log_file and fuzz/artifacts/$target/"
  fi
  # libFuzzer's last status line and its final stats.
  done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log_file" | tail -1 || true)
  runs=$(awk '/stat::number_of_executed_units/ { print $2 }' "$log_file" | tail -1)
  speed=$(awk '/stat::average_exec_per_sec/ { print $2 }' "$log_file" | tail -1)
  cov=$(sed -nE 's/.* cov: ([0-9]+) ft: ([0-9]+) corp: ([0-9]+).*/\1 \2 \3/p' <<<"$done_line")
  report+=("$(printf '%-12s %6ss %12s runs %8s/s  cov %s  ft %s  corpus %s' "$target" "$seconds" "${runs:-?}" "${speed:-?}" $cov)")
done
printf '%s\n' "${report[@]}"
exit $status
