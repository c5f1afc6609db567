#!/usr/bin/env bash
# Regenerates the committed Codex app-server protocol types (src/codex-protocol/app-server/) from the
# pinned current Codex release (dev dependency `codex-current`), with `codex app-server generate-ts`.
#   CODEX_PROTOCOL_BIN=/path/to/codex   generate from another binary instead
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/src/codex-protocol/app-server"
BIN="${CODEX_PROTOCOL_BIN:-}"
if [[ -z "$BIN" ]]; then
  BIN="$(ls "$ROOT"/node_modules/codex-current/node_modules/@openai/codex-*/vendor/*/bin/codex 2>/dev/null | head -n1)"
fi
[[ -x "$BIN" ]] || { echo "generate-codex-protocol: no codex binary (npm ci installs codex-current)" >&2; exit 1; }
VERSION="$("$BIN" --version | awk '{print $2}')"
rm -rf "$OUT"
mkdir -p "$OUT"
"$BIN" app-server generate-ts --out "$OUT"
printf '%s\n' "$VERSION" > "$OUT/CODEX_VERSION"
echo "generate-codex-protocol: app-server types of codex $VERSION written to ${OUT#$ROOT/}" >&2
