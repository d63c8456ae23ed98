#!/usr/bin/env bash
# Load benchmark of the signing flow (issue 4's target: ≥ 200 signatures/s, p99 < 150 ms
# at 50 concurrent signers, 0 errors). Results and analysis in BENCHMARKS.md.
source "$(dirname "$0")/lib.sh"

ensure_postgres
export DATABASE_URL="$DATABASE_URL_BASE/postgres"
cargo bench -p paraphe-server --bench load "$@"
