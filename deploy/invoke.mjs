#!/usr/bin/env node
// Invokes an environment's strata migration Lambda and waits for its answer.
// Used by the GitLab deploy jobs; works by hand too (see deploy/README.md).
//
//   node deploy/invoke.mjs --environment staging --image-tag "$CI_COMMIT_SHA" \
//        [--function strata-migrate-staging] [--region eu-west-1] \
//        [--command migrate|info|validate|repair] [--output result.json]
//
// Exit status: 0 the task ran and strata exited 0; 1 the migration failed, the
// task did not start, or its outcome is unknown; 2 bad arguments.
// Credentials come from the AWS SDK's default chain; in CI that is the GitLab
// OIDC token (AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN, i.e. STS
// AssumeRoleWithWebIdentity). No long-lived keys.

import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';

export const USAGE = `usage: invoke.mjs --environment ENV (--image-tag TAG | --image-digest sha256:... | --task-definition-arn ARN)
                  [--function NAME] [--region REGION] [--command migrate|info|validate|repair] [--output FILE]`;

// The Lambda may run for its full 15 minutes; keep the socket open longer than that.
const REQUEST_TIMEOUT_MS = 16 * 60 * 1000;

export function parseCli(argv, env = process.env) {
  const { values } = parseArgs({
    args: argv,
    options: {
      environment: { type: 'string' },
      'image-tag': { type: 'string' },
      'image-digest': { type: 'string' },
      'task-definition-arn': { type: 'string' },
      function: { type: 'string' },
      region: { type: 'string' },
      command: { type: 'string' },
      output: { type: 'string' },
      help: { type: 'boolean' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return { help: true };
  const environment = values.environment ?? env.STRATA_ENVIRONMENT;
  if (!environment) throw new Error('--environment is required');
  const sources = ['image-tag', 'image-digest', 'task-definition-arn'].filter((k) => values[k] !== undefined);
  if (sources.length !== 1) throw new Error('give exactly one of --image-tag, --image-digest, --task-definition-arn');
  const payload = { environment };
  if (values['image-tag'] !== undefined) payload.imageTag = values['image-tag'];
  if (values['image-digest'] !== undefined) payload.imageDigest = values['image-digest'];
  if (values['task-definition-arn'] !== undefined) payload.taskDefinitionArn = values['task-definition-arn'];
  if (values.command !== undefined) payload.command = values.command;
  return {
    functionName: values.function ?? env.STRATA_LAMBDA_FUNCTION ?? `strata-migrate-${environment}`,
    region: values.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION,
    output: values.output,
    payload,
  };
}

export function createLambdaClient(region) {
  return new LambdaClient({
    region,
    // A retried invoke would start a second migration task: do not retry.
    maxAttempts: 1,
    requestHandler: {
      requestTimeout: REQUEST_TIMEOUT_MS,
      socketTimeout: REQUEST_TIMEOUT_MS,
      throwOnRequestTimeout: true,
      connectionTimeout: 10_000,
    },
  });
}

/** Invokes the function synchronously and classifies the answer. */
export async function invokeMigration(client, functionName, payload) {
  const response = await client.send(new InvokeCommand({
    FunctionName: functionName,
    InvocationType: 'RequestResponse',
    Payload: new TextEncoder().encode(JSON.stringify(payload)),
  }));
  const text = response.Payload ? new TextDecoder().decode(response.Payload) : '';
  let body;
  try { body = text ? JSON.parse(text) : undefined; } catch { body = text; }
  if (response.FunctionError) {
    const errorType = body?.errorType ?? response.FunctionError;
    const errorMessage = body?.errorMessage ?? (typeof body === 'string' ? body : JSON.stringify(body));
    return { ok: false, errorType, errorMessage, statusCode: response.StatusCode };
  }
  if (!body || typeof body !== 'object' || body.status !== 'SUCCEEDED') {
    return { ok: false, errorType: 'UnexpectedResponse', errorMessage: `the function answered ${text || '(nothing)'}` };
  }
  return { ok: true, result: body };
}

export function formatSuccess(result) {
  return [
    `strata ${result.command ?? 'migrate'} in ${result.environment}: ${result.status} (exit code ${result.exitCode})`,
    `  image:      ${result.image ?? '-'}`,
    `  task:       ${result.taskArn}`,
    `  log stream: ${result.logGroup ?? '-'} ${result.logStream ?? ''}`.trimEnd(),
    `  logs:       ${result.logUrl ?? '-'}`,
    `  duration:   ${Math.round((result.durationMs ?? 0) / 1000)} s`,
  ].join('\n');
}

export function formatFailure(outcome, functionName) {
  return `migration FAILED (${outcome.errorType}) via ${functionName}:\n  ${outcome.errorMessage}`;
}

/** The command line program; returns the exit status. */
export async function main(argv, { env = process.env, client, stdout = process.stdout, stderr = process.stderr, write = writeFileSync } = {}) {
  let options;
  try {
    options = parseCli(argv, env);
  } catch (error) {
    stderr.write(`invoke.mjs: ${error.message}\n${USAGE}\n`);
    return 2;
  }
  if (options.help) {
    stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (!options.region && !client) {
    stderr.write('invoke.mjs: no region: pass --region or set AWS_REGION\n');
    return 2;
  }
  const lambda = client ?? createLambdaClient(options.region);
  stdout.write(`invoking ${options.functionName} with ${JSON.stringify(options.payload)}; waiting for the task to stop...\n`);
  let outcome;
  try {
    outcome = await invokeMigration(lambda, options.functionName, options.payload);
  } catch (error) {
    outcome = { ok: false, errorType: error.name ?? 'Error', errorMessage: `could not invoke ${options.functionName}: ${error.message}` };
  }
  if (options.output) {
    write(options.output, `${JSON.stringify(outcome.ok ? outcome.result : outcome, null, 2)}\n`);
  }
  if (outcome.ok) {
    stdout.write(`${formatSuccess(outcome.result)}\n`);
    return 0;
  }
  stderr.write(`${formatFailure(outcome, options.functionName)}\n`);
  return 1;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = await main(process.argv.slice(2));
}
