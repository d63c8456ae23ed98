#!/usr/bin/env bash
# Runs every test: unit, integration (real PostgreSQL and Redis) and browser end to end
# (headless Chromium driven through chromedriver).
source "$(dirname "$0")/lib.sh"

apt_install pkg-config chromium chromium-driver fonts-dejavu-core softhsm2
ensure_rust_tools
ensure_postgres
ensure_redis
ensure_validators
ensure_ocr
ensure_oidc_provider
# sqlx::test creates a fresh database per test on this server.
export DATABASE_URL="$DATABASE_URL_BASE/postgres"

log "checking the formatting (cargo fmt --check)"
cargo fmt --all --check
log "checking that server/.sqlx/ matches the queries and migrations"
scripts/sqlx-prepare.sh --check
build_web
log "building the server and the tests"
cargo build -p paraphe-server
cargo test --workspace --no-run --quiet
log "linting (clippy, warnings are errors)"
cargo clippy --all-targets --quiet -- -D warnings
# The web app as browsers get it: its wasm32 build has code the host build does not.
cargo clippy -p paraphe-web --target wasm32-unknown-unknown --all-targets --quiet -- -D warnings
log "running the tests"
cargo test --workspace "$@"
