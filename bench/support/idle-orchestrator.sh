#!/bin/sh
# A fast stand-in for a quiet orchestrator cycle (sprint-history benchmark): no RUN_INTENT on stdout,
# on stderr one DISPATCH_SUMMARY line — the board the bench prepared, where nothing is left to
# dispatch — with this process's pid as poll_count (so the bench can see when a tick has landed); exit 0.
# Used as RUNNER_ORCHESTRATOR_CMD="/bin/sh bench/support/idle-orchestrator.sh" (the runner appends --once).
printf '{"poll_count":%s,' "$$" >&2
cat "$ORCHESTRATOR_BENCH_IDLE_SUMMARY" >&2
