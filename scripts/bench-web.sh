#!/usr/bin/env bash
# The web app as a phone gets it: bundle weights (raw, gzip, brotli) and Lighthouse's
# mobile scores on the login page and a signer's link, against issue 14's budget
# (public bundle ≤ 350 KB brotli, performance ≥ 90). Results in BENCHMARKS.md.
source "$(dirname "$0")/lib.sh"

apt_install pkg-config chromium
ensure_rust_tools
ensure_postgres
ensure_redis
ensure_ocr
build_web
log "building the server (release)"
cargo build --release -p paraphe-server
SERVER="${CARGO_TARGET_DIR:-$ROOT/target}/release/paraphe-server"
if ! cmp -s tools/lighthouse/package-lock.json tools/lighthouse/node_modules/.paraphe-lock 2>/dev/null; then
  log "installing Lighthouse 12.2.3"
  npm ci --prefix tools/lighthouse --no-audit --no-fund --loglevel=error >/dev/null
  cp tools/lighthouse/package-lock.json tools/lighthouse/node_modules/.paraphe-lock
fi

DATABASE="paraphe_bench_web_$$"
export DATABASE_URL="$DATABASE_URL_BASE/$DATABASE"
psql "$DATABASE_URL_BASE/postgres" -qc "CREATE DATABASE $DATABASE" >/dev/null
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
OUTBOX="$(mktemp -d)"
cleanup() {
  [ -n "${SERVER_PID:-}" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  psql "$DATABASE_URL_BASE/postgres" -qc "DROP DATABASE IF EXISTS $DATABASE WITH (FORCE)" >/dev/null
  rm -rf "$OUTBOX"
}
trap cleanup EXIT
export PARAPHE_KEY_ENCRYPTION_KEY="$("$SERVER" keys new-kek)"
"$SERVER" seed-demo >/dev/null
PARAPHE_ADDR="127.0.0.1:$PORT" PARAPHE_PUBLIC_URL="http://127.0.0.1:$PORT" PARAPHE_DEV_OUTBOX=true \
  PARAPHE_OUTBOX_DIR="$OUTBOX" RUST_LOG=warn "$SERVER" serve &
SERVER_PID=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.2; done

node tools/lighthouse/bench-web.mjs "http://127.0.0.1:$PORT" "$ROOT/dist" \
  "$ROOT/server/tests/fixtures/corpus/sign/002-trivial-libre-office-writer.pdf"
