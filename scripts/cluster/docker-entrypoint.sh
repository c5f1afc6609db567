#!/bin/sh
# Entry point of the sprint-runner image. Codex writes sessions and logs into CODEX_HOME, so the
# operator's Codex home is mounted read-only at /codex-seed and only its auth and config are copied
# into the container's writable CODEX_HOME (a volume) — the host's files are never written.
set -eu
CODEX_HOME="${CODEX_HOME:-/home/node/.codex}"
export CODEX_HOME
if [ -d /codex-seed ]; then
  mkdir -p "$CODEX_HOME"
  for file in auth.json config.toml; do
    if [ -f "/codex-seed/$file" ]; then cp "/codex-seed/$file" "$CODEX_HOME/$file"; fi
  done
fi
exec /app/bin/sprint-runner.js "$@"
