#!/usr/bin/env bash
# Shared set-up for scripts/run.sh and scripts/test.sh: installs what is missing on a
# Debian machine (as root, or with sudo) and makes PostgreSQL and Redis reachable.
# Idempotent: on a machine that already has everything it only checks.

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

log() { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

APT_UPDATED=""
apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing ${missing[*]}"
  if [ -z "$APT_UPDATED" ]; then as_root apt-get update -qq; APT_UPDATED=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

ensure_rust_tools() {
  if ! command -v cargo >/dev/null; then
    echo "cargo is missing: install Rust with rustup first (https://rustup.rs)" >&2
    exit 1
  fi
  rustup target list --installed 2>/dev/null | grep -q wasm32-unknown-unknown \
    || { log "adding the wasm32 target"; rustup target add wasm32-unknown-unknown; }
  if ! trunk --version 2>/dev/null | grep -q '0.21.14'; then
    log "installing trunk 0.21.14 (a few minutes, once)"
    cargo install trunk --version 0.21.14 --locked --quiet
  fi
  local wbg
  wbg=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
  if ! wasm-bindgen --version 2>/dev/null | grep -q "$wbg"; then
    log "installing wasm-bindgen-cli $wbg (a few minutes, once)"
    cargo install wasm-bindgen-cli --version "$wbg" --quiet
  fi
}

pg_ready() { pg_isready -q -h 127.0.0.1 -p "${1:-5432}" 2>/dev/null; }

# Sets DATABASE_URL_BASE (a server URL without database name) and exports DATABASE_URL.
ensure_postgres() {
  if [ -n "${DATABASE_URL:-}" ]; then
    DATABASE_URL_BASE="${DATABASE_URL%/*}"
    return 0
  fi
  apt_install postgresql-client
  if ! pg_ready 5432; then
    apt_install postgresql
    # A Debian cluster that is only stopped: start it.
    if ls /etc/postgresql/*/main >/dev/null 2>&1; then
      as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -1)" main start || true
    fi
  fi
  if pg_ready 5432 && psql -h 127.0.0.1 -U postgres -d postgres -Atqc 'select 1' >/dev/null 2>&1; then
    DATABASE_URL_BASE="postgres://postgres@127.0.0.1:5432"
  else
    provision_private_postgres
    DATABASE_URL_BASE="postgres://postgres@127.0.0.1:5499"
  fi
  export DATABASE_URL="$DATABASE_URL_BASE/paraphe"
}

# A cluster of our own under .data/ (git-ignored), trust auth on 127.0.0.1:5499.
provision_private_postgres() {
  local bin data="$ROOT/.data/postgres"
  bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
  id postgres >/dev/null 2>&1 || as_root useradd --system --home "$ROOT/.data" postgres
  mkdir -p "$ROOT/.data"
  if [ ! -f "$data/PG_VERSION" ]; then
    log "creating a private PostgreSQL cluster in .data/postgres"
    as_root install -d -o postgres "$data"
    as_root runuser -u postgres -- "$bin/initdb" -D "$data" -U postgres --auth=trust >/dev/null
  fi
  if ! pg_ready 5499; then
    log "starting the private PostgreSQL on 127.0.0.1:5499"
    as_root runuser -u postgres -- "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w \
      -o "-h 127.0.0.1 -p 5499 -k /tmp" start >/dev/null
  fi
}

ensure_redis() {
  if [ -n "${REDIS_URL:-}" ]; then return 0; fi
  if ! (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null; then
    apt_install redis-server
    log "starting Redis on 127.0.0.1:6379"
    mkdir -p "$ROOT/.data/redis"
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
      --dir "$ROOT/.data/redis" --logfile "$ROOT/.data/redis/redis.log"
    for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null && break; sleep 0.1; done
  fi
  export REDIS_URL="redis://127.0.0.1:6379"
}

# The outside validators the signing tests call: poppler's pdfsig, NSS's certutil,
# openssl, and pyHanko in a private virtualenv under .data/.
ensure_validators() {
  apt_install poppler-utils libnss3-tools openssl qpdf
  local venv="$ROOT/.data/venv"
  if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv --help >/dev/null 2>&1 || apt_install python3-venv
    log "creating the pyHanko virtualenv in .data/venv"
    mkdir -p "$ROOT/.data"
    python3 -m venv "$venv"
  fi
  if ! "$venv/bin/python" -c "import pyhanko, pyhanko_certvalidator, aiosmtpd, PIL" 2>/dev/null; then
    log "installing pyHanko, aiosmtpd and Pillow"
    "$venv/bin/pip" install --quiet --disable-pip-version-check pyhanko pyhanko-certvalidator aiosmtpd pillow
  fi
  export PARAPHE_PYTHON="$venv/bin/python"
}

# Tesseract reads identity documents' MRZ; the OCR-B font draws the tests' synthetic ones.
ensure_ocr() {
  apt_install tesseract-ocr tesseract-ocr-eng fonts-ocr-b
}

# Node tools (tools/package.json, pinned by its lock file): binaryen's wasm-opt for Trunk,
# axe-core for the browser tests. Put on PATH ahead of any system wasm-opt.
ensure_node_tools() {
  command -v npm >/dev/null || apt_install nodejs npm
  local stamp="$ROOT/tools/node_modules/.paraphe-lock"
  if ! cmp -s "$ROOT/tools/package-lock.json" "$stamp" 2>/dev/null; then
    log "installing the node tools (binaryen, axe-core)"
    npm ci --prefix "$ROOT/tools" --no-audit --no-fund --loglevel=error >/dev/null
    cp "$ROOT/tools/package-lock.json" "$stamp"
  fi
  export PATH="$ROOT/tools/node_modules/.bin:$PATH"
}

# The OpenID Connect provider the single sign-on tests start (node's oidc-provider, pinned by
# e2e/oidc/package-lock.json): the server's tests/it/oidc.rs and the browser's tests/sso.rs.
ensure_oidc_provider() {
  command -v npm >/dev/null || apt_install nodejs npm
  local stamp="$ROOT/e2e/oidc/node_modules/.paraphe-lock"
  if ! cmp -s "$ROOT/e2e/oidc/package-lock.json" "$stamp" 2>/dev/null; then
    log "installing the test OpenID provider (oidc-provider)"
    npm ci --prefix "$ROOT/e2e/oidc" --no-audit --no-fund --loglevel=error >/dev/null
    cp "$ROOT/e2e/oidc/package-lock.json" "$stamp"
  fi
}

# The web app as users get it, whichever script asks: the release build of both bundles
# (the back office in dist/, the public pages — login, signer, capture — in dist/public/),
# then every text file precompressed (brotli and gzip) for the server to send as is.
build_web() {
  apt_install brotli
  ensure_node_tools
  log "building the web app (trunk, release): back office"
  trunk build --offline=true --release=true web/index.html
  log "building the web app (trunk, release): public pages"
  trunk build --offline=true --release=true --dist dist/public --public-url /public/ web/public.html
  log "precompressing the web app"
  find dist -type f \( -name '*.html' -o -name '*.js' -o -name '*.wasm' -o -name '*.css' -o -name '*.svg' \) \
    -exec brotli --force --best --keep {} + -exec gzip --force --best --keep {} +
}
