#!/usr/bin/env bash
# Installs the Temporal CLI (dev server + Web UI) pinned to v1.5.1, built from the Go module proxy.
# The binary lives in a per-user cache outside the repository and is reused when present.
# Also makes sure a Chromium exists for the Web UI browser test (Debian's package; never a download
# by the test itself): skipped when one is on PATH or CHROMIUM_PATH is set.
#   TEMPORAL_CLI_PATH=/path/to/temporal   use an existing binary instead (skips the build)
#   SPRINT_RUNNER_CACHE=/dir              cache root (default: ${XDG_CACHE_HOME:-$HOME/.cache}/sprint-runner)
set -euo pipefail

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
ensure_chromium

if [[ -n "${TEMPORAL_CLI_PATH:-}" ]]; then
  if [[ -x "$TEMPORAL_CLI_PATH" ]]; then
    say "using TEMPORAL_CLI_PATH=$TEMPORAL_CLI_PATH ($("$TEMPORAL_CLI_PATH" --version 2>/dev/null | head -n1))"
    exit 0
  fi
  say "TEMPORAL_CLI_PATH=$TEMPORAL_CLI_PATH is not an executable file; unset it to build the CLI instead"
  exit 1
fi

if [[ -x "$BIN" ]] && "$BIN" --version 2>/dev/null | grep -q "temporal version $VERSION"; then
  say "Temporal CLI $VERSION already built: $BIN (cache reused)"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  cat >&2 <<MSG
setup: Go is not installed, and it is needed once to build the Temporal CLI v$VERSION (dev server + Web UI).
  Fix one of:
    - install Go 1.25 or newer (https://go.dev/doc/install; macOS: brew install go; Debian/Ubuntu: use the
      official tarball, the distro's golang-go is usually too old), then run: npm run setup
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
