#!/usr/bin/env bash
# Signing benchmark: Paraphe's engine against pyHanko on three generated PDFs.
# Prints medians, ratios and the targets (see BENCHMARKS.md).
source "$(dirname "$0")/lib.sh"

ensure_validators
cargo bench -p paraphe-server --bench signing "$@"
