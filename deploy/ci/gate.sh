#!/usr/bin/env bash
# CI `gate-production` job: before the manual production migration may start, checks the new
# image against production with the read-only database user (the stack's check task
# definition): `strata validate`, and `strata migrate --dry-run` when STRATA_GATE_DRY_RUN=true
# (turn it on once the strata in the image supports --dry-run). Each result document is kept
# as a job artifact (gate-validate.json, gate-dry-run.json).
#   deploy/ci/gate.sh ENV        (same CI/CD variables as deploy/ci/deploy.sh)
set -euo pipefail

env=${1:?usage: deploy/ci/gate.sh ENVIRONMENT}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

STRATA_COMMAND=validate STRATA_READ_ONLY=true STRATA_DRY_RUN=false MIGRATION_RESULT_FILE=gate-validate.json \
  bash "$here/deploy.sh" "$env"

if [[ "${STRATA_GATE_DRY_RUN:-false}" == true ]]; then
  STRATA_COMMAND=migrate STRATA_READ_ONLY=true STRATA_DRY_RUN=true MIGRATION_RESULT_FILE=gate-dry-run.json \
    bash "$here/deploy.sh" "$env"
else
  echo "gate: migrate --dry-run skipped (set STRATA_GATE_DRY_RUN=true once strata supports it)"
fi
