#!/usr/bin/env bash
# Regenerates server/.sqlx/, the data sqlx's query macros check queries against when
# building offline (every build does: .cargo/config.toml), from a scratch database with
# every migration applied. `--check` changes nothing and fails when the committed data is
# not what the queries and migrations give today. Needs PostgreSQL (DATABASE_URL's server).
source "$(dirname "$0")/lib.sh"

check=""
[ "${1:-}" = "--check" ] && check=1
ensure_postgres
apt_install postgresql-client
scratch_db="paraphe_sqlx_$$"
out="$(mktemp -d)"
cleanup() {
  psql "$DATABASE_URL_BASE/postgres" -qAtc "DROP DATABASE IF EXISTS $scratch_db" >/dev/null 2>&1 || true
  rm -rf "$out"
}
trap cleanup EXIT
psql "$DATABASE_URL_BASE/postgres" -qAtc "CREATE DATABASE $scratch_db" >/dev/null
for migration in migrations/*.sql; do
  psql "$DATABASE_URL_BASE/$scratch_db" -v ON_ERROR_STOP=1 -qAt -f "$migration" >/dev/null
done
# The macros write a query's data only when they run: make them run for this crate.
touch server/src/lib.rs server/src/main.rs server/tests/it/main.rs server/tests/pkcs11.rs server/benches/*.rs
SQLX_OFFLINE=false SQLX_OFFLINE_DIR="$out" DATABASE_URL="$DATABASE_URL_BASE/$scratch_db" \
  cargo check -p paraphe-server --all-targets --quiet
if [ -n "$check" ]; then
  if ! diff -r "$out" server/.sqlx >/dev/null; then
    echo "server/.sqlx/ is not current: run scripts/sqlx-prepare.sh and commit it" >&2
    diff -r "$out" server/.sqlx | head -20 >&2 || true
    exit 1
  fi
  log "server/.sqlx/ is current"
else
  rm -rf server/.sqlx && mkdir -p server/.sqlx && cp "$out"/*.json server/.sqlx/ 2>/dev/null || true
  log "server/.sqlx/: $(ls server/.sqlx | wc -l) queries"
fi
