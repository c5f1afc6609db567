#!/usr/bin/env bash
# Temporal CLI recipes for sprint-runner operators: the plain `temporal` binary against a Temporal
# server where a sprint-runner worker (`npx sprint-runner worker`) polls the task queue.
# Each function below is one recipe; docs/temporal-cli.md shows the same commands verbatim
# (test/recipes/temporal-cli-recipes.test.ts runs every recipe and fails when the two drift apart).
#
#   scripts/recipes.sh RECIPE [RECIPE…]        e.g.  SPRINT=M1 scripts/recipes.sh start-sprint sprint-status
#   scripts/recipes.sh list                    every recipe
#
# Variables (environment):
#   TEMPORAL_ADDRESS  Temporal frontend                      (default localhost:7233)
#   SPRINT            sprint name; workflow sprint-$SPRINT    (default M1)
#   ISSUE             issue number; workflow sprint-$SPRINT-item-$ISSUE  (default 42)
#   TASK_QUEUE        the worker's TEMPORAL_TASK_QUEUE        (default sprint-runner)
#   REASON, STEP      what a human asks for in a rework request
#   DEPLOYMENT        the workers' Worker Deployment (RUNNER_DEPLOYMENT_NAME, default sprint-runner)
#   BUILD_ID          a build id a `sprint-runner worker` printed (RUNNER_WORKER_READY build_id)
# The namespace is the CLI's default (`default`); set TEMPORAL_NAMESPACE to use another.
set -euo pipefail

TEMPORAL_ADDRESS="${TEMPORAL_ADDRESS:-localhost:7233}"
SPRINT="${SPRINT:-M1}"
ISSUE="${ISSUE:-42}"
TASK_QUEUE="${TASK_QUEUE:-${TEMPORAL_TASK_QUEUE:-sprint-runner}}"
REASON="${REASON:-Please add a test for the error path}"
STEP="${STEP:-Cover the 4xx branch in the handler test}"
DEPLOYMENT="${DEPLOYMENT:-${RUNNER_DEPLOYMENT_NAME:-sprint-runner}}"
BUILD_ID="${BUILD_ID:-}"

# A bash string as a JSON string (backslashes and double quotes escaped).
json_str() {
  local s=${1//\\/\\\\}
  s=${s//\"/\\\"}
  printf '"%s"' "$s"
}

# --- start and follow a sprint ---------------------------------------------------------------

start_sprint() {
  temporal workflow start \
    --address "$TEMPORAL_ADDRESS" \
    --type sprintWorkflow \
    --task-queue "$TASK_QUEUE" \
    --workflow-id "sprint-$SPRINT" \
    --input "{\"sprint\":\"$SPRINT\",\"mode\":\"loop\"}"
}

describe_sprint() {
  temporal workflow describe \
    --address "$TEMPORAL_ADDRESS" \
    --workflow-id "sprint-$SPRINT"
}

show_sprint() {
  temporal workflow show \
    --address "$TEMPORAL_ADDRESS" \
    --workflow-id "sprint-$SPRINT"
}

follow_sprint() {
  temporal workflow show \
    --address "$TEMPORAL_ADDRESS" \
    --workflow-id "sprint-$SPRINT" \
    --follow
}

# --- ask the workflows -----------------------------------------------------------------------

sprint_status() {
  temporal workflow query \
    --address "$TEMPORAL_ADDRESS" \
    --workflow-id "sprint-$SPRINT" \
    --name sprintStatus \
    --output json
}

item_status() {
  temporal workflow query \
    --address "$TEMPORAL_ADDRESS" \
    --workflow-id "sprint-$SPRINT-item-$ISSUE" \
    --name itemStatus \
    --output json
}

# --- find items with visibility queries (search attributes Sprint, IssueNumber, BoardStatus, Role)

list_items() {
  temporal workflow list \
    --address "$TEMPORAL_ADDRESS" \
    --query "Sprint=\"$SPRINT\" AND IssueNumber IS NOT NULL AND ExecutionStatus=\"Running\""
}

list_blocked() {
  temporal workflow list \
    --address "$TEMPORAL_ADDRESS" \
    --query "Sprint=\"$SPRINT\" AND BoardStatus=\"Blocked\""
}

list_awaiting_approval() {
  temporal workflow list \
    --address "$TEMPORAL_ADDRESS" \
    --query "Sprint=\"$SPRINT\" AND BoardStatus=\"Needs Human Approval\""
}

# --- human rework (only from Needs Human Approval; the item moves to In Review as HUMAN) ------

request_rework() {
  temporal workflow update execute \
    --address "$TEMPORAL_ADDRESS" \
    --workflow-id "sprint-$SPRINT-item-$ISSUE" \
    --name requestRework \
    --input "{\"reason\":$(json_str "$REASON"),\"steps\":[$(json_str "$STEP")]}"
}

# --- control the sprint ----------------------------------------------------------------------

pause_sprint() {
  temporal workflow signal \
    --address "$TEMPORAL_ADDRESS" \
    --workflow-id "sprint-$SPRINT" \
    --name pause
}

resume_sprint() {
  temporal workflow signal \
    --address "$TEMPORAL_ADDRESS" \
    --workflow-id "sprint-$SPRINT" \
    --name resume
}

tick_sprint() {
  temporal workflow signal \
    --address "$TEMPORAL_ADDRESS" \
    --workflow-id "sprint-$SPRINT" \
    --name tick
}

stop_sprint() {
  temporal workflow signal \
    --address "$TEMPORAL_ADDRESS" \
    --workflow-id "sprint-$SPRINT" \
    --name stop
}

close_sprint() {
  temporal workflow update execute \
    --address "$TEMPORAL_ADDRESS" \
    --workflow-id "sprint-$SPRINT" \
    --name close \
    --input "{\"reason\":$(json_str "$REASON")}"
}

# --- upgrades: Worker Deployment Versioning (docs/upgrading.md) ------------------------------

describe_deployment() {
  temporal worker deployment describe \
    --address "$TEMPORAL_ADDRESS" \
    --name "$DEPLOYMENT"
}

set_current_build() {
  temporal worker deployment set-current-version \
    --address "$TEMPORAL_ADDRESS" \
    --deployment-name "$DEPLOYMENT" \
    --build-id "${BUILD_ID:?set BUILD_ID to the build id the new worker printed}" \
    --yes
}

# ---------------------------------------------------------------------------------------------

RECIPES=(
  start-sprint describe-sprint show-sprint follow-sprint
  sprint-status item-status
  list-items list-blocked list-awaiting-approval
  request-rework
  pause-sprint resume-sprint tick-sprint stop-sprint close-sprint
  describe-deployment set-current-build
)

main() {
  if [[ $# -eq 0 || $1 == list || $1 == -h || $1 == --help ]]; then
    printf '%s\n' "${RECIPES[@]}"
    [[ $# -eq 0 ]] && return 2
    return 0
  fi
  command -v temporal >/dev/null 2>&1 || {
    echo "recipes: no \`temporal\` on PATH (npm run setup builds it into ~/.cache/sprint-runner/temporal-cli-1.5.1/bin)" >&2
    return 127
  }
  local recipe
  for recipe in "$@"; do
    if [[ " ${RECIPES[*]} " != *" $recipe "* ]]; then
      echo "recipes: unknown recipe '$recipe' (scripts/recipes.sh list)" >&2
      return 2
    fi
    "${recipe//-/_}"
  done
}

# Sourced (`. scripts/recipes.sh`): only define the functions.
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  main "$@"
fi
