#!/usr/bin/env bash
# The Node.js suite: Strata against the etcd3 npm client (version pinned in
# package.json / package-lock.json) over a 3-member TLS cluster.
#
#   tests/nodejs/run.sh [WORK_DIR]
#
# Installs the client with `npm ci` into tests/nodejs/node_modules (skipped when
# it already matches package-lock.json; npm's cache lives under WORK_DIR), starts
# a 3-member cluster with scripts/cluster on free 127.0.0.1 ports with throwaway
# certificates (client certificates required), runs every test/*.test.js with
# `node --test`, always stops the cluster, and exits with the tests' status.
# Environment: STRATA_SERVER (the binary; default build/bin/strata-server),
# NODE (default node), NPM (default npm), NODEJS_TEST_TIMEOUT (seconds per
# file, default 180), NODEJS_SUITE_TIMEOUT (seconds for all files, default 480).
# Worst case: npm 240 s + cluster start 3 x 60 s + the files: under ctest's 1000 s.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
WORK="${1:-$ROOT/build/nodejs}"
NODE="${NODE:-node}"
NPM="${NPM:-npm}"
FILE_TIMEOUT="${NODEJS_TEST_TIMEOUT:-180}"
SUITE_TIMEOUT="${NODEJS_SUITE_TIMEOUT:-480}"
export STRATA_SERVER="${STRATA_SERVER:-$ROOT/build/bin/strata-server}"
export STRATA_CLUSTER_DIR="$WORK/cluster"

command -v "$NODE" >/dev/null || { echo "nodejs: $NODE not found (scripts/setup installs it)" >&2; exit 1; }
command -v "$NPM" >/dev/null || { echo "nodejs: $NPM not found (scripts/setup installs it)" >&2; exit 1; }
[ -x "$STRATA_SERVER" ] || { echo "nodejs: $STRATA_SERVER not built" >&2; exit 1; }
mkdir -p "$WORK"

# 1. The client library, exactly as locked.
if [ ! -f "$HERE/node_modules/.package-lock.json" ] ||
  [ "$HERE/package-lock.json" -nt "$HERE/node_modules/.package-lock.json" ]; then
  echo "nodejs: npm ci"
  (cd "$HERE" && timeout 240 "$NPM" ci --no-audit --no-fund --loglevel=error --prefer-offline \
    --cache "$WORK/npm-cache")
fi

# 2. A 3-member TLS cluster on 9 consecutive free ports (client, peer, metrics).
free_base() {
  "$NODE" -e '
    const net = require("net");
    const free = p => new Promise(ok => { const s = net.createServer();
      s.once("error", () => ok(false)); s.listen(p, "127.0.0.1", () => s.close(() => ok(true))); });
    (async () => {
      for (let i = 0; i < 50; i++) {
        const base = 20000 + Math.floor(Math.random() * 4000) * 10;
        let ok = true;
        for (let p = base; p < base + 9 && ok; p++) ok = await free(p);
        if (ok) { console.log(base); return; }
      }
      process.exit(1);
    })();'
}

cleanup() {
  local rc=$?
  "$ROOT/scripts/cluster" stop >/dev/null 2>&1 || true
  if [ "$rc" -ne 0 ] && [ -d "$STRATA_CLUSTER_DIR" ]; then
    for log in "$STRATA_CLUSTER_DIR"/s*.log; do
      [ -f "$log" ] && { echo "--- last lines of $log"; tail -n 20 "$log"; }
    done
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A run killed outright (SIGKILL) leaves pid files behind: stop those members first.
"$ROOT/scripts/cluster" stop >/dev/null 2>&1 || true
started=0
for attempt in 1 2 3; do
  base=$(free_base)
  if STRATA_CLUSTER_PORT_BASE=$base timeout 60 "$ROOT/scripts/cluster" start 3 --tls >"$WORK/cluster-start.log" 2>&1; then
    started=1
    break
  fi
  echo "nodejs: cluster start on port base $base failed (attempt $attempt):" >&2
  cat "$WORK/cluster-start.log" >&2
  "$ROOT/scripts/cluster" stop >/dev/null 2>&1 || true
done
[ "$started" -eq 1 ] || exit 1

export STRATA_ENDPOINTS; STRATA_ENDPOINTS="$("$ROOT/scripts/cluster" endpoints)"
export STRATA_CA="$STRATA_CLUSTER_DIR/tls/ca.pem"
export STRATA_CERT="$STRATA_CLUSTER_DIR/tls/client.pem"
export STRATA_KEY="$STRATA_CLUSTER_DIR/tls/client-key.pem"
export STRATA_CERT_CN; STRATA_CERT_CN="$(openssl x509 -in "$STRATA_CERT" -noout -subject -nameopt RFC2253 | sed 's/^subject=//; s/^CN=//; s/,.*//')"
cd "$HERE"
echo "nodejs: cluster $STRATA_ENDPOINTS; etcd3 $("$NODE" -p 'require("etcd3/package.json").version' 2>/dev/null || echo '?'), node $("$NODE" --version)"

# 3. The tests, one file at a time (auth must not overlap the others).
status=0
deadline=$((SECONDS + SUITE_TIMEOUT))
for file in test/*.test.js; do
  start=$SECONDS
  limit=$((deadline - SECONDS))
  if [ "$limit" -le 0 ]; then
    echo "nodejs: $file NOT RUN: the suite's ${SUITE_TIMEOUT} s are used up" >&2
    status=1
    continue
  fi
  [ "$limit" -gt "$FILE_TIMEOUT" ] && limit=$FILE_TIMEOUT
  if timeout -k 10 "$limit" "$NODE" --no-deprecation --test --test-reporter=spec "$file"; then
    echo "nodejs: $file passed in $((SECONDS - start)) s"
  else
    echo "nodejs: $file FAILED after $((SECONDS - start)) s" >&2
    status=1
  fi
done
exit "$status"
