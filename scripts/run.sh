#!/usr/bin/env bash
# Sets up and runs Paraphe on http://localhost:8080 with the demo cabinet.
source "$(dirname "$0")/lib.sh"

apt_install pkg-config
ensure_rust_tools
ensure_postgres
ensure_redis
ensure_ocr
build_web
log "building the server"
cargo build --release -p paraphe-server
SERVER="${CARGO_TARGET_DIR:-$ROOT/target}/release/paraphe-server"
# The demo cabinet and its people, to try Paraphe at once. PARAPHE_DEMO=false starts an
# empty instance instead: `paraphe-server admin create EMAIL` then makes its first
# administrator, who provisions cabinets in the app (Plateforme).
if [ "${PARAPHE_DEMO:-true}" != "false" ]; then
  "$SERVER" seed-demo
else
  log "empty instance: make its administrator with $SERVER admin create EMAIL"
fi
log "Paraphe on http://localhost:8080 (Ctrl-C to stop)"
export PARAPHE_ADDR="${PARAPHE_ADDR:-127.0.0.1:8080}"
# Emails and SMS (codes, links) go to .data/outbox/ and the app's /dev/outbox page.
export PARAPHE_DEV_OUTBOX="${PARAPHE_DEV_OUTBOX:-true}"
# GraphiQL and introspection for exploring the API on this development instance.
export PARAPHE_GRAPHIQL="${PARAPHE_GRAPHIQL:-true}" PARAPHE_INTROSPECTION="${PARAPHE_INTROSPECTION:-true}"
exec "$SERVER" serve
