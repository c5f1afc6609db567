#!/usr/bin/env bash
# Builds what the native cluster rig (scripts/cluster/rig.ts) runs, once, into the per-user cache
# (the same cache and Go module proxy route as scripts/setup.sh's Temporal CLI):
#   temporal-server-1.29.1/bin/server   Temporal server (the version the pinned CLI 1.5.1 embeds)
#   temporal-server-1.29.1/bin/sql      temporal-sql-tool (schema setup on PostgreSQL)
#   temporal-server-1.29.1/schema/      the PostgreSQL schema files of that release
#   temporal-ui-server-2.42.1/bin/ui-server   the Web UI server (the version the CLI 1.5.1 embeds)
#   docker-compose-5.6.0/bin/docker-compose   Docker Compose, only for `docker-compose config` (the
#                                             compose file's own check in test/cluster; no engine needed)
# Every piece is skipped when already in the cache. CGO off; about 3 minutes on 2 cores the first time.
#   SPRINT_RUNNER_CACHE=/dir   cache root (default: ${XDG_CACHE_HOME:-$HOME/.cache}/sprint-runner)
#   --no-ui                    skip the Web UI server
#   --no-compose               skip Docker Compose (what `npm run cluster` asks for: the rig does not need it)
set -euo pipefail

SERVER_VERSION=1.29.1
UI_VERSION=2.42.1
COMPOSE_VERSION=5.6.0
WITH_UI=1
WITH_COMPOSE=1
for arg in "$@"; do
  case "$arg" in
    --no-ui) WITH_UI=0 ;;
    --no-compose) WITH_COMPOSE=0 ;;
    *) printf 'build-server: unknown argument %s (only --no-ui, --no-compose)\n' "$arg" >&2; exit 2 ;;
  esac
done

CACHE_ROOT="${SPRINT_RUNNER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sprint-runner}"
SERVER_DIR="$CACHE_ROOT/temporal-server-$SERVER_VERSION"
UI_DIR="$CACHE_ROOT/temporal-ui-server-$UI_VERSION"
say() { printf 'cluster build: %s\n' "$*" >&2; }

need_go() {
  if ! command -v go >/dev/null 2>&1; then
    say "Go is not installed; it is needed once to build the Temporal server $SERVER_VERSION (Go >= 1.25; https://go.dev/doc/install)"
    exit 1
  fi
}

if [[ -x "$SERVER_DIR/bin/server" && -x "$SERVER_DIR/bin/sql" && -f "$SERVER_DIR/schema/postgresql/v12/temporal/schema.sql" ]]; then
  say "Temporal server $SERVER_VERSION already in the cache: $SERVER_DIR (cache reused)"
else
  need_go
  mkdir -p "$SERVER_DIR/bin"
  say "building Temporal server $SERVER_VERSION and temporal-sql-tool with $(go env GOVERSION) into $SERVER_DIR (first time only; a few minutes)"
  CGO_ENABLED=0 GOFLAGS=-trimpath GOBIN="$SERVER_DIR/bin" \
    go install -ldflags "-s -w" "go.temporal.io/server/cmd/server@v$SERVER_VERSION" "go.temporal.io/server/cmd/tools/sql@v$SERVER_VERSION"
  # The schema files ship in the module source, not in the binaries: keep a copy next to them.
  MODULE_DIR=$(go list -m -f '{{.Dir}}' "go.temporal.io/server@v$SERVER_VERSION" 2>/dev/null || true)
  if [[ -z "$MODULE_DIR" || ! -d "$MODULE_DIR/schema/postgresql" ]]; then
    MODULE_DIR="$(go env GOMODCACHE)/go.temporal.io/server@v$SERVER_VERSION"
  fi
  rm -rf "$SERVER_DIR/schema" && mkdir -p "$SERVER_DIR/schema"
  cp -R "$MODULE_DIR/schema/postgresql" "$SERVER_DIR/schema/postgresql"
  chmod -R u+w "$SERVER_DIR/schema"
  say "installed: $("$SERVER_DIR/bin/sql" --version 2>/dev/null | head -n1) + server"
fi

if [[ "$WITH_UI" == "1" ]]; then
  if [[ -x "$UI_DIR/bin/ui-server" ]]; then
    say "Temporal Web UI server $UI_VERSION already in the cache: $UI_DIR (cache reused)"
  else
    need_go
    mkdir -p "$UI_DIR/bin"
    say "building the Temporal Web UI server $UI_VERSION into $UI_DIR (first time only)"
    CGO_ENABLED=0 GOFLAGS=-trimpath GOBIN="$UI_DIR/bin" \
      go install -ldflags "-s -w" "github.com/temporalio/ui-server/v2/cmd/server@v$UI_VERSION"
    mv "$UI_DIR/bin/server" "$UI_DIR/bin/ui-server"
  fi
fi

# Docker Compose (Go, from the module proxy): its go.mod has exclude/replace directives, which
# `go install pkg@version` refuses, so the module source is built as the main module.
COMPOSE_DIR="$CACHE_ROOT/docker-compose-$COMPOSE_VERSION"
if [[ "$WITH_COMPOSE" == "0" ]]; then
  :
elif [[ -x "$COMPOSE_DIR/bin/docker-compose" ]]; then
  say "Docker Compose $COMPOSE_VERSION already in the cache: $COMPOSE_DIR (cache reused)"
else
  need_go
  say "building Docker Compose $COMPOSE_VERSION into $COMPOSE_DIR (first time only; for \`docker-compose config\`)"
  SOURCE=$(go mod download -json "github.com/docker/compose/v5@v$COMPOSE_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  WORK=$(mktemp -d)
  cp -R "$SOURCE" "$WORK/src" && chmod -R u+w "$WORK/src"
  mkdir -p "$COMPOSE_DIR/bin"
  (cd "$WORK/src" && CGO_ENABLED=0 GOFLAGS=-trimpath go build -ldflags "-s -w" -o "$COMPOSE_DIR/bin/docker-compose" ./cmd)
  rm -rf "$WORK"
  say "installed: $("$COMPOSE_DIR/bin/docker-compose" version 2>/dev/null | head -n1)"
fi
