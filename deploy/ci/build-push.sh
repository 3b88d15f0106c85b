#!/usr/bin/env bash
# CI `build` job: builds the strata image with the migrations baked in, once, and
# pushes it, tagged with the commit SHA, to the ECR repository of every environment
# in STRATA_PUSH_ENVIRONMENTS (default "staging prod").
#
# AWS credentials: the job's GitLab OIDC ID token (GITLAB_OIDC_TOKEN) is exchanged
# per environment with `aws sts assume-role-with-web-identity`; no long-lived keys.
# Per environment ENV (upper-cased in the names):
#   STRATA_<ENV>_ROLE_ARN        CI role of that environment's stack (output CiRoleArn)
#   STRATA_<ENV>_ECR_REPOSITORY  repository URI (output RepositoryUri)
#   STRATA_<ENV>_REGION          optional, else AWS_REGION
# Also: DOCKER_BUILD_TARGET (default with-migrations), IMAGE_TAG (default CI_COMMIT_SHA).
set -euo pipefail

: "${GITLAB_OIDC_TOKEN:?GITLAB_OIDC_TOKEN is not set: the job needs id_tokens (see .gitlab-ci.yml)}"
tag=${IMAGE_TAG:-${CI_COMMIT_SHA:?CI_COMMIT_SHA is not set}}
targets=${STRATA_PUSH_ENVIRONMENTS:-staging prod}
target=${DOCKER_BUILD_TARGET-with-migrations}
local_image="strata-migrations:${tag}"

# Check the configuration of every target before spending time on the build.
env_names() { printf '%s' "$1" | tr '[:lower:]-' '[:upper:]_'; }
for env in $targets; do
  upper=$(env_names "$env")
  for var in "STRATA_${upper}_ROLE_ARN" "STRATA_${upper}_ECR_REPOSITORY"; do
    if [[ -z "${!var:-}" ]]; then
      echo "error: CI/CD variable ${var} is not set (environment ${env})" >&2
      exit 2
    fi
  done
  region_var="STRATA_${upper}_REGION"
  if [[ -z "${!region_var:-${AWS_REGION:-}}" ]]; then
    echo "error: set ${region_var} or AWS_REGION (environment ${env})" >&2
    exit 2
  fi
done

build_args=(build --pull --label "org.opencontainers.image.revision=${CI_COMMIT_SHA:-$tag}")
if [[ -n "${CI_PROJECT_URL:-}" ]]; then
  build_args+=(--label "org.opencontainers.image.source=${CI_PROJECT_URL}")
fi
if [[ -n "$target" ]]; then
  build_args+=(--target "$target")
fi
echo "building ${local_image}${target:+ (target ${target})}"
docker "${build_args[@]}" --tag "$local_image" .

for env in $targets; do
  upper=$(env_names "$env")
  role_var="STRATA_${upper}_ROLE_ARN"
  repo_var="STRATA_${upper}_ECR_REPOSITORY"
  region_var="STRATA_${upper}_REGION"
  role=${!role_var:-}
  repo=${!repo_var:-}
  region=${!region_var:-${AWS_REGION:-}}
  registry=${repo%%/*}
  repo_name=${repo#*/}

  echo "assuming ${role} for ${env}"
  creds=$(aws sts assume-role-with-web-identity \
    --role-arn "$role" \
    --role-session-name "gitlab-${CI_PROJECT_ID:-local}-${CI_JOB_ID:-0}-${env}" \
    --web-identity-token "$GITLAB_OIDC_TOKEN" \
    --duration-seconds 3600 \
    --query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]' \
    --output text)
  read -r key secret session <<<"$creds"
  if [[ -z "$key" || -z "$secret" || -z "$session" ]]; then
    echo "error: no credentials from sts assume-role-with-web-identity for ${env}" >&2
    exit 1
  fi

  (
    export AWS_ACCESS_KEY_ID="$key" AWS_SECRET_ACCESS_KEY="$secret" AWS_SESSION_TOKEN="$session" AWS_REGION="$region"
    aws ecr get-login-password --region "$region" | docker login --username AWS --password-stdin "$registry"
    # Tags are immutable: a re-run of this job for the same commit must not fail on push.
    if aws ecr describe-images --region "$region" --repository-name "$repo_name" --image-ids "imageTag=${tag}" >/dev/null 2>&1; then
      echo "${repo}:${tag} already exists; not pushing it again"
    else
      docker tag "$local_image" "${repo}:${tag}"
      docker push "${repo}:${tag}"
      echo "pushed ${repo}:${tag}"
    fi
    docker logout "$registry" >/dev/null
  )
done
