#!/usr/bin/env node
// Starts a strata run through an environment's runner Lambda, then waits for its outcome
// by reading the run's item in the runs table (following automatic retries), so a run of
// any length reports correctly. Used by the GitLab jobs; works by hand too (deploy/README.md).
//
//   node deploy/invoke.mjs --environment staging --image-tag "$CI_COMMIT_SHA" \
//        [--function strata-migrate-staging] [--region eu-west-1] [--command migrate|info|validate|repair]
//        [--read-only] [--dry-run] [--wait-minutes 240] [--output result.json]
//
// Exit status: 0 the run (or its automatic retry) succeeded; 1 it failed, did not start, or
// did not finish within --wait-minutes (it goes on in ECS and is recorded when it stops);
// 2 bad arguments. Credentials: the AWS SDK's default chain; in CI the GitLab OIDC token
// (AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN). No long-lived keys.

import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';

export const USAGE = `usage: invoke.mjs --environment ENV (--image-tag TAG | --image-digest sha256:... | --task-definition-arn ARN)
                  [--function NAME] [--region REGION] [--command migrate|info|validate|repair]
                  [--read-only] [--dry-run] [--wait-minutes N] [--poll-seconds N] [--output FILE]`;

const DEFAULT_WAIT_MINUTES = 240;

function positive(value, name, fallback) {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, not ${JSON.stringify(value)}`);
  return n;
}

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
      'read-only': { type: 'boolean' },
      'dry-run': { type: 'boolean' },
      'wait-minutes': { type: 'string' },
      'poll-seconds': { type: 'string' },
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
  if (values['read-only']) payload.readOnly = true;
  if (values['dry-run']) payload.dryRun = true;
  if (env.CI_COMMIT_SHA) payload.commit = env.CI_COMMIT_SHA;
  if (env.CI_JOB_URL) payload.requestedBy = env.CI_JOB_URL;
  return {
    functionName: values.function ?? env.STRATA_LAMBDA_FUNCTION ?? `strata-migrate-${environment}`,
    region: values.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION,
    output: values.output,
    waitMs: positive(values['wait-minutes'] ?? env.STRATA_WAIT_MINUTES, '--wait-minutes', DEFAULT_WAIT_MINUTES) * 60_000,
    pollMs: positive(values['poll-seconds'], '--poll-seconds', 15) * 1000,
    payload,
  };
}

export function createLambdaClient(region) {
  // A retried invoke could start a second task: never retry. The starter answers in seconds.
  return new LambdaClient({ region, maxAttempts: 1, requestHandler: { requestTimeout: 90_000, throwOnRequestTimeout: true } });
}

/** Invokes the starter synchronously; its answer names the run and the table to watch. */
export async function startRun(client, functionName, payload) {
  const response = await client.send(new InvokeCommand({
    FunctionName: functionName,
    InvocationType: 'RequestResponse',
    Payload: new TextEncoder().encode(JSON.stringify(payload)),
  }));
  const text = response.Payload ? new TextDecoder().decode(response.Payload) : '';
  let body;
  try { body = text ? JSON.parse(text) : undefined; } catch { body = text; }
  if (response.FunctionError) {
    return {
      ok: false,
      errorType: body?.errorType ?? response.FunctionError,
      errorMessage: body?.errorMessage ?? (typeof body === 'string' ? body : JSON.stringify(body)),
    };
  }
  if (body?.status !== 'STARTED' || !body.runId || !body.runsTable) {
    return { ok: false, errorType: 'UnexpectedResponse', errorMessage: `the function answered ${text || '(nothing)'}` };
  }
  return { ok: true, started: body };
}

export function formatRun(run) {
  const lines = [`run ${run.runId} (attempt ${run.attempt ?? 1}${run.automatic ? `, automatic ${run.automatic}` : ''}): `
    + `strata ${run.command} ${run.status}${run.exitCode !== undefined ? ` - ${run.exitWords} (exit code ${run.exitCode ?? 'none'})` : ''}`];
  if (run.durationMs !== undefined) lines.push(`  duration:   ${Math.round(run.durationMs / 1000)} s`);
  if (run.versionBefore || run.versionAfter) lines.push(`  version:    ${run.versionBefore ?? '<< Empty Schema >>'} -> ${run.versionAfter ?? '-'}`);
  if (run.migrationsExecuted !== undefined) lines.push(`  applied:    ${run.migrationsExecuted} migration(s)`);
  const e = run.error;
  if (e) {
    lines.push(`  error:      ${e.message ?? '-'}${e.sqlState ? ` [SQLSTATE ${e.sqlState}]` : ''}`);
    if (e.file) lines.push(`  where:      ${[e.file, e.line, e.line ? e.column : undefined].filter((p) => p !== undefined).join(':')}`);
    if (e.detail) lines.push(`  DETAIL:     ${e.detail}`);
    if (e.hint) lines.push(`  HINT:       ${e.hint}`);
    if (e.fix) lines.push(`  fix:        ${e.fix}`);
  } else if (run.status === 'FAILED' && run.stoppedReason) {
    lines.push(`  reason:     ${run.stoppedReason}`);
  }
  if (run.automaticAction && run.automaticAction !== 'none') lines.push(`  automatic:  ${run.automaticAction} (${run.automaticReason})`);
  lines.push(`  logs:       ${run.logUrl ?? '-'}`);
  // A fleet run: one line per shard task.
  for (const shard of run.shards ?? []) {
    lines.push(`  shard ${shard.shard}: ${shard.outcome}${shard.error?.message ? ` - ${shard.error.message}` : ''}`);
  }
  return lines.join('\n');
}

const defaultSleep = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });

/**
 * Polls the run's item until it and every automatic follow-up has an outcome, or until
 * waitMs has passed. Returns { ok, runs, timedOut }.
 */
export async function waitForOutcome(doc, table, firstRunId, { waitMs, pollMs, print, sleep = defaultSleep, now = Date.now }) {
  const deadline = now() + waitMs;
  const runs = [];
  let runId = firstRunId;
  let lastStatus;
  for (;;) {
    const { Item: run } = await doc.send(new GetCommand({ TableName: table, Key: { runId }, ConsistentRead: true }));
    const settled = run && run.status !== 'RUNNING' && run.followUpPending !== true;
    if (settled) {
      runs.push(run);
      print(formatRun(run));
      if (run.nextRunId) {
        print(`following automatic ${run.automaticAction}: run ${run.nextRunId}`);
        runId = run.nextRunId;
        lastStatus = undefined;
        continue;
      }
      // A repair run that succeeded still leaves the requested command failed.
      const ok = run.status === 'SUCCEEDED' && run.command === runs[0].command;
      return { ok, runs, timedOut: false };
    }
    const status = run?.status ?? 'not recorded yet';
    if (status !== lastStatus) print(`run ${runId}: ${status}${run?.logUrl ? ` (logs: ${run.logUrl})` : ''}`);
    lastStatus = status;
    if (now() + pollMs > deadline) {
      if (run) runs.push(run);
      return { ok: false, runs, timedOut: true, runId, logUrl: run?.logUrl };
    }
    await sleep(pollMs);
  }
}

/** The command line program; returns the exit status. */
export async function main(argv, {
  env = process.env, client, doc, stdout = process.stdout, stderr = process.stderr, write = writeFileSync, sleep, now,
} = {}) {
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
  const save = (value) => { if (options.output) write(options.output, `${JSON.stringify(value, null, 2)}\n`); };
  const lambda = client ?? createLambdaClient(options.region);
  stdout.write(`starting via ${options.functionName}: ${JSON.stringify(options.payload)}\n`);
  let start;
  try {
    start = await startRun(lambda, options.functionName, options.payload);
  } catch (error) {
    start = { ok: false, errorType: error.name ?? 'Error', errorMessage: `could not invoke ${options.functionName}: ${error.message}` };
  }
  if (!start.ok) {
    save(start);
    stderr.write(`run NOT started (${start.errorType}) via ${options.functionName}:\n  ${start.errorMessage}\n`);
    return 1;
  }
  const { runId, runsTable, logUrl } = start.started;
  stdout.write(`started run ${runId} (table ${runsTable}); logs: ${logUrl ?? '-'}\n`);
  stdout.write(`waiting up to ${options.waitMs / 60_000} min for its outcome...\n`);
  const table = doc ?? DynamoDBDocumentClient.from(new DynamoDBClient({ region: options.region }));
  const print = (text) => stdout.write(`${text}\n`);
  const outcome = await waitForOutcome(table, runsTable, runId, { waitMs: options.waitMs, pollMs: options.pollMs, print, sleep, now });
  save({ ok: outcome.ok, timedOut: outcome.timedOut, runs: outcome.runs });
  if (outcome.ok) return 0;
  if (outcome.timedOut) {
    stderr.write(`gave up waiting after ${options.waitMs / 60_000} min: run ${outcome.runId} has no outcome yet. The task is `
      + `NOT stopped; it is recorded in ${runsTable} when it ends (node deploy/runs.mjs --environment `
      + `${options.payload.environment}). Logs: ${outcome.logUrl ?? logUrl ?? '-'}\n`);
    return 1;
  }
  const last = outcome.runs.at(-1);
  stderr.write(`strata ${options.payload.command ?? 'migrate'} FAILED in ${options.payload.environment} `
    + `(run ${last.runId}: ${last.outcome ?? last.status}); the failure e-mail has the details and the fix.\n`);
  return 1;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = await main(process.argv.slice(2));
}
