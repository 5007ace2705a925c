#!/usr/bin/env bash
# Installs the tools the tests need and that no npm package ships, into a cache directory
# (default ~/.cache/osgp-tools, override with OSGP_TOOLS_DIR). Idempotent: a second run only checks.
#
#   bin/temporal               Temporal CLI (dev server + Web UI), built with `go install` (Go module proxy)
#   bin/temporal-test-server   wrapper that runs Java's time-skipping test server (jars from Maven Central)
#   PostgreSQL server binaries (initdb, pg_ctl): apt-get install postgresql when missing (root only)
#   bin/gurux-dlms-meter       Gurux DLMS meter of the DLMS tests (gurux.dlms from Maven Central): scripts/install-dlms-meter.sh
#   Chromium (browser tests of the operator console): apt-get install chromium when missing (root only)
#   bin/temporal-server        Temporal server (go.temporal.io/server/cmd/server) of the cluster tests, and
#   bin/temporal-sql-tool      its SQL schema tool (cmd/tools/sql); schema files under temporal-server-schema/
#
# Environment:
#   OSGP_TOOLS_DIR             cache directory (default $HOME/.cache/osgp-tools)
#   TEMPORAL_CLI_PATH          existing Temporal CLI to use instead: nothing is built (error if it is no executable)
#   TEMPORAL_TEST_SERVER_PATH  existing test server executable to use instead: nothing is resolved (likewise)
#   CHROMIUM_PATH              existing Chromium (or Chrome) for the browser tests: nothing is installed
#   TEMPORAL_SERVER_PATH       existing Temporal server to use instead (with TEMPORAL_SQL_TOOL_PATH and
#                              TEMPORAL_SCHEMA_DIR): nothing is built
#   OSGP_TOOLS_OPTIONAL=1      a missing toolchain (go, java, mvn, apt) is a warning instead of an error
#
# The code finds these through common/temporal-binaries.ts and test/support/postgres.ts.
# Argument: `runtime` for the Temporal CLI only (what `npm start` needs), `cluster` for the Temporal server and
# its schema tool only, `all` (default) for everything.
set -euo pipefail
# shellcheck source=lib/maven-runtime.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/maven-runtime.sh"

DIR="${OSGP_TOOLS_DIR:-$HOME/.cache/osgp-tools}"
BIN="$DIR/bin"
CLI_VERSIONS=(v1.5.1 v1.4.1 v1.3.0) # first is preferred; later ones are fallbacks when its build fails
CLI_MODULE=github.com/temporalio/cli
TEST_SERVER_VERSION=1.31.0
SERVER_MODULE=go.temporal.io/server
SERVER_VERSION=v1.29.1 # needs Go >= 1.25; no replace directive in its go.mod, so `go install` accepts it
SLF4J_SIMPLE_VERSION=1.7.36 # the test server logs through slf4j 1.7: log warnings and errors to stderr
TEST_SERVER_LAYOUT="osgp-test-server-layout: 3" # bump to make existing installs reinstall

log() { printf '[install-tools] %s\n' "$*"; }
warn() { printf '[install-tools] WARNING: %s\n' "$*" >&2; }
die() { printf '[install-tools] ERROR: %s\n' "$*" >&2; exit 1; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1fs", b - a }'; }
missing_tool() { # $1 = message
  if [[ "${OSGP_TOOLS_OPTIONAL:-}" == 1 ]]; then warn "$1 (skipped: OSGP_TOOLS_OPTIONAL=1)"; return 0; fi
  die "$1 (set OSGP_TOOLS_OPTIONAL=1 to skip this step)"
}

mkdir -p "$BIN"
TOTAL_START=$(now)
CLEANUP=()
trap 'rm -rf "${CLEANUP[@]}"' EXIT

# One run at a time (parallel CI jobs sharing a cache would otherwise build twice into the same place).
if command -v flock >/dev/null 2>&1; then
  exec 9>"$DIR/.install.lock"
  flock 9
fi

# ---------------------------------------------------------------------------------------------------------
# (a) Temporal CLI
# ---------------------------------------------------------------------------------------------------------
# Prints the CLI's version (vX.Y.Z) or nothing. `go install` builds report "0.0.0-DEV" from --version
# unless built with our -ldflags, so fall back to the module version recorded in the binary.
cli_version() {
  local bin="$1" v
  [[ -x "$bin" ]] || return 0
  v=$("$bin" --version 2>/dev/null | sed -n 's/^temporal version \([0-9][0-9.]*\)\b.*/v\1/p' | head -1) || true
  if [[ -z "$v" || "$v" == v0.0.0 ]] && command -v go >/dev/null 2>&1; then
    v=$(go version -m "$bin" 2>/dev/null | awk -v m="$CLI_MODULE" '$1 == "mod" && $2 == m { print $3 }') || true
  fi
  printf '%s' "$v"
}

install_cli() {
  local start target v ver logf
  start=$(now)
  if [[ -n "${TEMPORAL_CLI_PATH:-}" ]]; then
    if [[ -f "$TEMPORAL_CLI_PATH" && -x "$TEMPORAL_CLI_PATH" ]]; then
      log "temporal CLI: using TEMPORAL_CLI_PATH=$TEMPORAL_CLI_PATH (not building) [$(elapsed "$start")]"
      return 0
    fi
    die "TEMPORAL_CLI_PATH=$TEMPORAL_CLI_PATH is not an executable file (unset it to build the CLI into $BIN)"
  fi
  target="$BIN/temporal"
  v=$(cli_version "$target")
  if [[ "$v" == "${CLI_VERSIONS[0]}" ]]; then
    log "temporal CLI: $v already at $target [$(elapsed "$start")]"
    return 0
  fi
  if [[ -n "$v" && " ${CLI_VERSIONS[*]} " == *" $v "* ]]; then
    # A fallback version was built because the preferred one failed: keep it, rebuilding would fail again.
    log "temporal CLI: $v (fallback) already at $target; delete it to retry ${CLI_VERSIONS[0]} [$(elapsed "$start")]"
    return 0
  fi
  command -v go >/dev/null 2>&1 || { missing_tool "temporal CLI: 'go' not found; install Go (cli v1.5.1 needs go >= 1.25; GOTOOLCHAIN=auto fetches it) or set TEMPORAL_CLI_PATH"; return 0; }
  [[ -n "$v" ]] && log "temporal CLI: found version '$v' at $target; replacing it"
  logf="$DIR/go-install.log"
  for ver in "${CLI_VERSIONS[@]}"; do
    log "temporal CLI: building $CLI_MODULE/cmd/temporal@$ver with go install (several minutes when Go's caches are cold; log: $logf)"
    if GOBIN="$BIN" go install -ldflags "-s -w -X $CLI_MODULE/temporalcli.Version=${ver#v}" \
      "$CLI_MODULE/cmd/temporal@$ver" >"$logf" 2>&1; then
      log "temporal CLI: $(cli_version "$target") installed at $target [$(elapsed "$start")]"
      return 0
    fi
    warn "go install $CLI_MODULE/cmd/temporal@$ver failed; last lines of $logf:"
    grep -v '^go: downloading ' "$logf" | tail -n 30 >&2 || true
  done
  die "temporal CLI: every version failed to build (${CLI_VERSIONS[*]}); see $logf"
}

# ---------------------------------------------------------------------------------------------------------
# (b) Java time-skipping test server
# ---------------------------------------------------------------------------------------------------------
install_test_server() {
  local start home lib wrapper work java_bin
  start=$(now)
  if [[ -n "${TEMPORAL_TEST_SERVER_PATH:-}" ]]; then
    if [[ -f "$TEMPORAL_TEST_SERVER_PATH" && -x "$TEMPORAL_TEST_SERVER_PATH" ]]; then
      log "test server: using TEMPORAL_TEST_SERVER_PATH=$TEMPORAL_TEST_SERVER_PATH (not resolving) [$(elapsed "$start")]"
      return 0
    fi
    die "TEMPORAL_TEST_SERVER_PATH=$TEMPORAL_TEST_SERVER_PATH is not an executable file (unset it to install the test server into $BIN)"
  fi
  home="$DIR/test-server/$TEST_SERVER_VERSION"
  lib="$home/lib"
  wrapper="$BIN/temporal-test-server"
  if [[ -x "$wrapper" && -f "$lib/temporal-test-server-$TEST_SERVER_VERSION.jar" ]] \
    && grep -qF "$lib" "$wrapper" && grep -qF "$TEST_SERVER_LAYOUT" "$wrapper"; then
    log "test server: io.temporal:temporal-test-server:$TEST_SERVER_VERSION already at $wrapper [$(elapsed "$start")]"
    return 0
  fi
  java_bin=$(command -v java || true)
  [[ -n "$java_bin" ]] || { missing_tool "test server: 'java' not found; install a JDK >= 11 or set TEMPORAL_TEST_SERVER_PATH"; return 0; }
  command -v mvn >/dev/null 2>&1 || { missing_tool "test server: 'mvn' not found; install Maven or set TEMPORAL_TEST_SERVER_PATH"; return 0; }

  log "test server: resolving io.temporal:temporal-test-server:$TEST_SERVER_VERSION and its runtime dependencies with Maven"
  work=$(mktemp -d "$DIR/test-server.tmp.XXXXXX")
  CLEANUP+=("$work")
  maven_copy_runtime "$work" temporal-test-server \
    "io.temporal:temporal-test-server:$TEST_SERVER_VERSION" "org.slf4j:slf4j-simple:$SLF4J_SIMPLE_VERSION" \
    || die "test server: Maven could not resolve io.temporal:temporal-test-server:$TEST_SERVER_VERSION"
  [[ -f "$work/lib/temporal-test-server-$TEST_SERVER_VERSION.jar" ]] \
    || die "test server: Maven finished but temporal-test-server-$TEST_SERVER_VERSION.jar is missing in $work/lib"
  rm -rf "$home"
  mkdir -p "$(dirname "$home")"
  mkdir "$home"
  mv "$work/lib" "$lib"
  mv "$work/pom.xml" "$home/pom.xml"

  # Class-data sharing archive of the server's classes: roughly halves JVM start-up, which matters because
  # the SDK gives a test server only 5 s to accept gRPC. Optional: without it the JVM just starts slower.
  if make_cds_archive "$java_bin" "$lib" "$home/cds.jsa" "$work/cds.log"; then
    log "test server: class-data sharing archive $home/cds.jsa"
  else
    warn "test server: no class-data sharing archive (slower start-up only); last lines of its log:"
    tail -n 5 "$work/cds.log" >&2 || true
  fi

  # The SDK starts an existing-path test server as `<path> <port> [extraArgs...]`, waits at most 5 s for it to
  # accept gRPC and ends it with SIGKILL: exec, so that the pid it kills is java's.
  cat >"$wrapper.tmp" <<EOF
#!/bin/sh
# Generated by scripts/install-tools.sh: Temporal's time-skipping test server $TEST_SERVER_VERSION (Java).
# Usage: temporal-test-server <port> [--enable-time-skipping]
# $TEST_SERVER_LAYOUT
JAVA=\$(command -v java 2>/dev/null || echo '$java_bin')
CDS=
# The archive only fits the JVM that wrote it; another JVM ignores it (silently, with these -Xlog options).
[ -f '$home/cds.jsa' ] && CDS="-XX:SharedArchiveFile=$home/cds.jsa -Xlog:cds=off -Xlog:cds+dynamic=off"
exec "\$JAVA" \${TEMPORAL_TEST_SERVER_JAVA_OPTS:--XX:+UseSerialGC} \$CDS \\
  -Dorg.slf4j.simpleLogger.defaultLogLevel=\${TEMPORAL_TEST_SERVER_LOG_LEVEL:-warn} \\
  -cp '$lib/*' io.temporal.testserver.TestServer "\$@"
EOF
  chmod +x "$wrapper.tmp"
  mv "$wrapper.tmp" "$wrapper"
  log "test server: $(find "$lib" -name '*.jar' | wc -l) jars in $lib; wrapper $wrapper [$(elapsed "$start")]"
}

# make_cds_archive <java> <lib dir> <archive> <log>: runs the server once with -XX:ArchiveClassesAtExit.
make_cds_archive() {
  local java_bin="$1" lib="$2" jsa="$3" logf="$4" port pid i
  port=$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });' 2>/dev/null) \
    || port=$((20000 + RANDOM % 30000))
  "$java_bin" -XX:ArchiveClassesAtExit="$jsa" -XX:+UseSerialGC -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
    -cp "$lib/*" io.temporal.testserver.TestServer "$port" </dev/null >"$logf" 2>&1 &
  pid=$!
  for ((i = 0; i < 300; i++)); do
    (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  sleep 1 # let start-up finish loading its classes
  kill -TERM "$pid" 2>/dev/null || true # the archive is written when the JVM exits
  wait "$pid" 2>/dev/null || true
  [[ -s "$jsa" ]]
}

# ---------------------------------------------------------------------------------------------------------
# (c) PostgreSQL server binaries
# ---------------------------------------------------------------------------------------------------------
find_pg_bindir() {
  local d
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    dirname "$(command -v initdb)"
    return 0
  fi
  # Newest version first.
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5,5 -rn); do
    if [[ -x "$d/initdb" && -x "$d/pg_ctl" ]]; then echo "$d"; return 0; fi
  done
  return 1
}

install_postgres() {
  local start d
  start=$(now)
  if d=$(find_pg_bindir); then
    log "postgres: server binaries (initdb, pg_ctl) found in $d [$(elapsed "$start")]"
    return 0
  fi
  if [[ "$(id -u)" != 0 ]]; then
    missing_tool "postgres: initdb/pg_ctl not found and not running as root; install them with: sudo apt-get install -y postgresql (or set DATABASE_URL_TEST to an existing database)"
    return 0
  fi
  command -v apt-get >/dev/null 2>&1 || { missing_tool "postgres: initdb/pg_ctl not found and apt-get is not available; install PostgreSQL server binaries"; return 0; }
  log "postgres: initdb/pg_ctl not found; running apt-get update && apt-get install -y postgresql"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq </dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql </dev/null >"$DIR/apt.log" 2>&1 \
    || { cat "$DIR/apt.log" >&2; die "postgres: apt-get install postgresql failed"; }
  d=$(find_pg_bindir) || die "postgres: installed the postgresql package but still no initdb/pg_ctl"
  log "postgres: server binaries installed in $d [$(elapsed "$start")]"
}

# ---------------------------------------------------------------------------------------------------------
# (d) Gurux DLMS meter (integration tests of the DLMS adapter)
# ---------------------------------------------------------------------------------------------------------
install_dlms_meter() {
  OSGP_TOOLS_DIR="$DIR" bash "$(dirname "${BASH_SOURCE[0]}")/install-dlms-meter.sh"
}

# ---------------------------------------------------------------------------------------------------------
# (e) Chromium (browser tests of the operator console; test/support/chromium.ts finds it)
# ---------------------------------------------------------------------------------------------------------
# Playwright's and Puppeteer's own browser downloads come from vendor sites (blocked here): Debian's package is
# the browser, driven by playwright-core with its path.
find_chromium() {
  local c
  for c in "${CHROMIUM_PATH:-}" /usr/bin/chromium /usr/bin/chromium-browser /usr/bin/google-chrome; do
    if [[ -n "$c" && -x "$c" ]]; then echo "$c"; return 0; fi
  done
  return 1
}

install_chromium() {
  local start c
  start=$(now)
  if [[ -n "${CHROMIUM_PATH:-}" && ! -x "$CHROMIUM_PATH" ]]; then
    die "CHROMIUM_PATH=$CHROMIUM_PATH is not an executable file (unset it to install Debian's chromium)"
  fi
  if c=$(find_chromium); then
    log "chromium: $c [$(elapsed "$start")]"
    return 0
  fi
  if [[ "$(id -u)" != 0 ]]; then
    missing_tool "chromium: not found and not running as root; install it with: sudo apt-get install -y chromium (or set CHROMIUM_PATH)"
    return 0
  fi
  command -v apt-get >/dev/null 2>&1 || { missing_tool "chromium: not found and apt-get is not available; install Chromium or set CHROMIUM_PATH"; return 0; }
  log "chromium: not found; running apt-get update && apt-get install -y chromium"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq </dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-liberation </dev/null >"$DIR/apt-chromium.log" 2>&1 \
    || { cat "$DIR/apt-chromium.log" >&2; die "chromium: apt-get install chromium failed"; }
  c=$(find_chromium) || die "chromium: installed the chromium package but found no executable"
  log "chromium: installed at $c [$(elapsed "$start")]"
}

# ---------------------------------------------------------------------------------------------------------
# (f) Temporal server and its SQL schema tool (the cluster tests: test/support/temporal-cluster.ts)
# ---------------------------------------------------------------------------------------------------------
module_version() { # <binary> <module>: the module version recorded in a Go binary, or nothing
  [[ -x "$1" ]] && command -v go >/dev/null 2>&1 || return 0
  go version -m "$1" 2>/dev/null | awk -v m="$2" '$1 == "mod" && $2 == m { print $3 }' || true
}

install_server() {
  local start server tool schema work logf src
  start=$(now)
  if [[ -n "${TEMPORAL_SERVER_PATH:-}" ]]; then
    [[ -x "$TEMPORAL_SERVER_PATH" ]] || die "TEMPORAL_SERVER_PATH=$TEMPORAL_SERVER_PATH is not an executable file"
    log "temporal server: using TEMPORAL_SERVER_PATH=$TEMPORAL_SERVER_PATH (not building) [$(elapsed "$start")]"
    return 0
  fi
  server="$BIN/temporal-server"
  tool="$BIN/temporal-sql-tool"
  schema="$DIR/temporal-server-schema/$SERVER_VERSION"
  if [[ "$(module_version "$server" "$SERVER_MODULE")" == "$SERVER_VERSION" \
    && "$(module_version "$tool" "$SERVER_MODULE")" == "$SERVER_VERSION" && -d "$schema/postgresql" ]]; then
    log "temporal server: $SERVER_VERSION already at $server (+ temporal-sql-tool, schema) [$(elapsed "$start")]"
    return 0
  fi
  command -v go >/dev/null 2>&1 || { missing_tool "temporal server: 'go' not found; install Go >= 1.25 or set TEMPORAL_SERVER_PATH"; return 0; }
  logf="$DIR/go-install-server.log"
  work=$(mktemp -d "$DIR/server.tmp.XXXXXX")
  CLEANUP+=("$work")
  log "temporal server: building $SERVER_MODULE/cmd/server and cmd/tools/sql @$SERVER_VERSION with go install (several minutes when Go's caches are cold; log: $logf)"
  if ! GOBIN="$work" go install -ldflags "-s -w" \
    "$SERVER_MODULE/cmd/server@$SERVER_VERSION" "$SERVER_MODULE/cmd/tools/sql@$SERVER_VERSION" >"$logf" 2>&1; then
    grep -v '^go: downloading ' "$logf" | tail -n 30 >&2 || true
    die "temporal server: go install $SERVER_MODULE/cmd/server@$SERVER_VERSION failed; see $logf"
  fi
  # The schema files ship in the module's source, which go install left in the module cache.
  src=$(go mod download -json "$SERVER_MODULE@$SERVER_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",*$/\1/p')
  [[ -d "$src/schema/postgresql" ]] || die "temporal server: no schema/postgresql in the module source ($src)"
  rm -rf "$schema"
  mkdir -p "$schema"
  cp -r "$src/schema/postgresql" "$schema/postgresql"
  chmod -R u+w "$schema"
  mv "$work/server" "$server"
  mv "$work/sql" "$tool"
  log "temporal server: $SERVER_VERSION installed at $server, $tool; schema in $schema [$(elapsed "$start")]"
}

# `install-tools.sh runtime` installs only what `npm start` needs (the Temporal CLI); no argument: everything.
case "${1:-all}" in
  runtime) install_cli ;;
  cluster) install_server; install_postgres ;;
  all) install_cli; install_test_server; install_postgres; install_dlms_meter; install_chromium; install_server ;;
  *) die "usage: install-tools.sh [runtime|cluster|all]" ;;
esac
log "done in $(elapsed "$TOTAL_START") (cache: $DIR)"
