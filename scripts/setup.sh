#!/usr/bin/env bash
# Provides the Temporal CLI (dev server + Web UI) v1.5.x in a per-user cache outside the repository:
# a `temporal` 1.5.x already on PATH is linked there (no Go needed), else v1.5.1 is built from the Go
# module proxy once; the cache is reused when present. `npm run setup` (= this script with
# --with-chromium) also makes sure a Chromium exists for the Web UI browser test (Debian's package;
# never a download by the test itself): skipped when one is on PATH or CHROMIUM_PATH is set. The demo
# runs this script without --with-chromium: it needs no browser.
#   TEMPORAL_CLI_PATH=/path/to/temporal   use an existing binary instead (skips the build)
#   SPRINT_RUNNER_CACHE=/dir              cache root (default: ${XDG_CACHE_HOME:-$HOME/.cache}/sprint-runner)
set -euo pipefail

WITH_CHROMIUM=0
for arg in "$@"; do
  case "$arg" in
    --with-chromium) WITH_CHROMIUM=1 ;;
    *) printf 'setup: unknown argument %s (only --with-chromium)\n' "$arg" >&2; exit 2 ;;
  esac
done

VERSION=1.5.1
CACHE_ROOT="${SPRINT_RUNNER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sprint-runner}"
BIN_DIR="$CACHE_ROOT/temporal-cli-$VERSION/bin"
BIN="$BIN_DIR/temporal"

say() { printf 'setup: %s\n' "$*" >&2; }

ensure_chromium() {
  if [[ -n "${CHROMIUM_PATH:-}" ]] || command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 \
    || command -v google-chrome >/dev/null 2>&1; then
    return 0
  fi
  local sudo=""
  if [[ "$(id -u)" != "0" ]]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo -n"; else sudo="none"; fi
  fi
  if [[ "$sudo" != "none" ]] && command -v apt-get >/dev/null 2>&1; then
    say "installing Debian's chromium for the Web UI browser test (apt-get, once)"
    if $sudo apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null; then
      say "installed: $(chromium --version 2>/dev/null | head -n1)"
      return 0
    fi
  fi
  say "no Chromium found and none could be installed: the Web UI test (test/ui) will fail until you run"
  say "  apt-get install -y chromium   (or set CHROMIUM_PATH to a Chromium/Chrome binary)"
}
if [[ "$WITH_CHROMIUM" == "1" ]]; then ensure_chromium; fi

# bubblewrap (`bwrap`): the Linux sandbox current Codex releases run the model's commands in.
ensure_bubblewrap() {
  [[ "$(uname -s)" == "Linux" ]] || return 0
  command -v bwrap >/dev/null 2>&1 && return 0
  local sudo=""
  if [[ "$(id -u)" != "0" ]]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo -n"; else sudo="none"; fi
  fi
  if [[ "$sudo" != "none" ]] && command -v apt-get >/dev/null 2>&1; then
    say "installing Debian's bubblewrap, Codex's Linux sandbox (apt-get, once)"
    if $sudo apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq bubblewrap >/dev/null; then
      say "installed: $(bwrap --version 2>/dev/null | head -n1)"
      return 0
    fi
  fi
  say "bubblewrap (bwrap) not found and not installed: current Codex cannot sandbox the model's commands;"
  say "  apt-get install -y bubblewrap   (sprint-runner doctor checks it)"
}
ensure_bubblewrap

# The native cluster rig (npm run cluster; test/cluster): the Temporal server 1.29.1, its SQL schema
# tool and the Web UI server, built once into the same cache (skipped when cached; needs Go).
if command -v go >/dev/null 2>&1 || [[ -x "$CACHE_ROOT/temporal-server-1.29.1/bin/server" ]]; then
  bash "$(dirname "${BASH_SOURCE[0]}")/cluster/build-server.sh"
else
  say "no Go: the native cluster rig (npm run cluster, test/cluster) cannot be built; install Go >= 1.25"
fi

# Compiled worker/CLI, the workflow bundle and the emulators (dist/). Here rather than at the end:
# the Temporal CLI steps below exit early. A failed build is not fatal: stale or missing dist/ falls back to tsx.
(cd "$(dirname "$0")/.." && npm run --silent build) || say "npm run build failed: tsx is used until it succeeds"

if [[ -n "${TEMPORAL_CLI_PATH:-}" ]]; then
  if [[ -x "$TEMPORAL_CLI_PATH" ]]; then
    say "using TEMPORAL_CLI_PATH=$TEMPORAL_CLI_PATH ($("$TEMPORAL_CLI_PATH" --version 2>/dev/null | head -n1))"
    exit 0
  fi
  say "TEMPORAL_CLI_PATH=$TEMPORAL_CLI_PATH is not an executable file; unset it to build the CLI instead"
  exit 1
fi

# The dev server flags and the Worker Deployment commands we use are those of the 1.5 series.
is_15x() { "$1" --version 2>/dev/null | head -n1 | grep -Eq '^temporal version 1\.5\.[0-9]+( |$)'; }

if [[ -x "$BIN" ]] && is_15x "$BIN"; then
  say "Temporal CLI already in the cache: $BIN ($("$BIN" --version | head -n1); cache reused)"
  exit 0
fi

ON_PATH=$(command -v temporal 2>/dev/null || true)
if [[ -n "$ON_PATH" && "$ON_PATH" != "$BIN" ]] && is_15x "$ON_PATH"; then
  mkdir -p "$BIN_DIR"
  ln -sfn "$ON_PATH" "$BIN"
  say "using the Temporal CLI on PATH: $ON_PATH ($("$ON_PATH" --version | head -n1)), linked as $BIN"
  exit 0
fi
if [[ -n "$ON_PATH" ]]; then
  say "ignoring $ON_PATH ($("$ON_PATH" --version 2>/dev/null | head -n1 || echo 'version unknown')): not 1.5.x; building v$VERSION"
fi

if ! command -v go >/dev/null 2>&1; then
  cat >&2 <<MSG
setup: Go is not installed, and it is needed once to build the Temporal CLI v$VERSION (dev server + Web UI).
  Fix one of:
    - install Go 1.25 or newer (https://go.dev/doc/install; macOS: brew install go; Debian/Ubuntu: use the
      official tarball, the distro's golang-go is usually too old), then run: npm run setup
    - or put a Temporal CLI 1.5.x on PATH (e.g. a packaged one), then run: npm run setup
    - or point at an existing Temporal CLI binary: TEMPORAL_CLI_PATH=/path/to/temporal npm run setup
      (the same variable is honoured by 'sprint-runner dev-server', the tests and the demo)
MSG
  exit 1
fi

GO_MINOR=$(go env GOVERSION | sed -E 's/^go1\.([0-9]+).*/\1/')
if [[ "$GO_MINOR" =~ ^[0-9]+$ ]] && (( GO_MINOR < 25 )); then
  say "Go $(go env GOVERSION) is too old: the Temporal CLI v$VERSION needs Go 1.25 or newer (or set TEMPORAL_CLI_PATH)"
  exit 1
fi

mkdir -p "$BIN_DIR"
say "building Temporal CLI v$VERSION with $(go env GOVERSION) into $BIN_DIR (first time only; a few minutes)"
# v1.5.1 is the newest tag without a go.mod replace directive, so `go install pkg@version` works.
CGO_ENABLED=0 GOFLAGS=-trimpath GOBIN="$BIN_DIR" \
  go install -ldflags "-s -w -X github.com/temporalio/cli/temporalcli.Version=$VERSION" \
  "github.com/temporalio/cli/cmd/temporal@v$VERSION"
say "installed: $("$BIN" --version)"
