#!/usr/bin/env bash
# CI `deploy-*` and `gate-*` jobs: runs strata (migrate by default) in one environment through
# that environment's runner Lambda and fails the job when the run fails.
#   deploy/ci/deploy.sh ENV        (ENV = dev | staging | prod)
#
# AWS credentials: the job's GitLab OIDC ID token is handed to the AWS SDK as a web
# identity token file with AWS_ROLE_ARN; the SDK exchanges it with STS
# (AssumeRoleWithWebIdentity). No long-lived keys. Per environment (upper-cased):
#   STRATA_<ENV>_ROLE_ARN   CI role of that environment's stack (output CiRoleArn)
#   STRATA_<ENV>_REGION     optional, else AWS_REGION
#   STRATA_<ENV>_FUNCTION   optional, else strata-migrate-<env>
# Also: IMAGE_TAG (default CI_COMMIT_SHA), STRATA_COMMAND (default migrate),
#   STRATA_READ_ONLY=true (the read-only task definition: validate, info, migrate --dry-run),
#   STRATA_DRY_RUN=true (migrate --dry-run), STRATA_WAIT_MINUTES (how long to wait for the
#   outcome, default 240; keep it below the job's timeout), MIGRATION_RESULT_FILE.
set -euo pipefail

env=${1:?usage: deploy/ci/deploy.sh ENVIRONMENT}
: "${GITLAB_OIDC_TOKEN:?GITLAB_OIDC_TOKEN is not set: the job needs id_tokens (see .gitlab-ci.yml)}"
tag=${IMAGE_TAG:-${CI_COMMIT_SHA:?CI_COMMIT_SHA is not set}}
upper=$(printf '%s' "$env" | tr '[:lower:]-' '[:upper:]_')
role_var="STRATA_${upper}_ROLE_ARN"
region_var="STRATA_${upper}_REGION"
function_var="STRATA_${upper}_FUNCTION"
role=${!role_var:-}
region=${!region_var:-${AWS_REGION:-}}
if [[ -z "$role" || -z "$region" ]]; then
  echo "error: set ${role_var} and ${region_var} or AWS_REGION (CI/CD variables)" >&2
  exit 2
fi

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
token_file=$(mktemp)
trap 'rm -f "$token_file"' EXIT
printf '%s' "$GITLAB_OIDC_TOKEN" >"$token_file"
export AWS_ROLE_ARN="$role"
export AWS_WEB_IDENTITY_TOKEN_FILE="$token_file"
export AWS_ROLE_SESSION_NAME="gitlab-${CI_PROJECT_ID:-local}-${CI_JOB_ID:-0}-${env}"
export AWS_REGION="$region"
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_PROFILE

# Only the runtime dependencies (the Lambda client), not the CDK and test tools.
npm ci --prefix "$here" --omit=dev --ignore-scripts --no-audit --no-fund

flags=()
if [[ "${STRATA_READ_ONLY:-}" == true ]]; then flags+=(--read-only); fi
if [[ "${STRATA_DRY_RUN:-}" == true ]]; then flags+=(--dry-run); fi

# Starts the run, then waits for its outcome in the runs table (no 15-minute limit).
node "$here/invoke.mjs" \
  --environment "$env" \
  --image-tag "$tag" \
  --function "${!function_var:-strata-migrate-${env}}" \
  --command "${STRATA_COMMAND:-migrate}" \
  --wait-minutes "${STRATA_WAIT_MINUTES:-240}" \
  --output "${MIGRATION_RESULT_FILE:-migration-result.json}" \
  "${flags[@]}"
