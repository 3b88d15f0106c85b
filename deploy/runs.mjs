#!/usr/bin/env node
// Prints the last runs of strata in an environment and per-environment statistics, from the
// runs tables (strata-runs-<env>, one per stack) that the recorder fills.
//
//   node deploy/runs.mjs [--environment staging ...] [--last 20] [--days 30] [--region eu-west-1] [--json]
//
// Without --environment: dev, staging and prod (a table that does not exist is skipped).
// Needs dynamodb:Query on each table and its index "byEnvironment" (any read-only role).

import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';

export const USAGE = 'usage: runs.mjs [--environment ENV ...] [--last N] [--days N] [--region REGION] [--json]';
const ENVIRONMENTS = ['dev', 'staging', 'prod'];

export function parseCli(argv, env = process.env) {
  const { values } = parseArgs({
    args: argv,
    options: {
      environment: { type: 'string', multiple: true },
      last: { type: 'string', default: '20' },
      days: { type: 'string', default: '30' },
      region: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return { help: true };
  const count = (name) => {
    const n = Number(values[name]);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive whole number, not ${JSON.stringify(values[name])}`);
    return n;
  };
  const environments = values.environment ?? ENVIRONMENTS;
  for (const e of environments) {
    if (!/^[a-z][a-z0-9-]*$/.test(e)) throw new Error(`--environment ${JSON.stringify(e)} is not an environment name`);
  }
  return {
    environments, last: count('last'), days: count('days'), json: values.json === true,
    region: values.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION,
  };
}

/** Every run of an environment that started since `since` (ISO), newest first. */
export async function queryRuns(doc, environment, since) {
  const runs = [];
  let ExclusiveStartKey;
  do {
    const page = await doc.send(new QueryCommand({
      TableName: `strata-runs-${environment}`,
      IndexName: 'byEnvironment',
      KeyConditionExpression: '#e = :e AND #s >= :since',
      ExpressionAttributeNames: { '#e': 'environment', '#s': 'startedAt' },
      ExpressionAttributeValues: { ':e': environment, ':since': since },
      ScanIndexForward: false,
      ExclusiveStartKey,
    }));
    runs.push(...(page.Items ?? []));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return runs;
}

/** Nearest-rank percentile of sorted numbers. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return undefined;
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1];
}

/** Count, failures, failure rate and median / p95 duration of the finished runs. */
export function statistics(runs) {
  const finished = runs.filter((r) => r.status === 'SUCCEEDED' || r.status === 'FAILED');
  const failures = finished.filter((r) => r.status === 'FAILED').length;
  const durations = finished.map((r) => r.durationMs).filter((d) => Number.isFinite(d)).sort((a, b) => a - b);
  return {
    runs: runs.length,
    running: runs.length - finished.length,
    failures,
    failureRate: finished.length ? failures / finished.length : undefined,
    medianMs: percentile(durations, 50),
    p95Ms: percentile(durations, 95),
  };
}

const seconds = (ms) => (ms === undefined ? '-' : `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`);
const pad = (text, width) => String(text ?? '-').padEnd(width);

export function formatRuns(environment, runs) {
  const lines = [`last ${runs.length} run(s) in ${environment}:`,
    `  ${pad('started', 25)}${pad('run', 34)}${pad('command', 10)}${pad('try', 4)}${pad('status', 10)}${pad('duration', 10)}${pad('version', 12)}outcome`];
  for (const r of runs) {
    const version = r.versionAfter ? `${r.versionBefore ?? '-'}->${r.versionAfter}` : '-';
    const error = r.error ? ` ${r.error.migration ?? r.error.file ?? ''}${r.error.sqlState ? ` SQLSTATE ${r.error.sqlState}` : ''}`.trimEnd() : '';
    const action = r.automaticAction && r.automaticAction !== 'none' ? ` [${r.automaticAction} -> ${r.nextRunId ?? 'pending'}]` : '';
    lines.push(`  ${pad(r.startedAt, 25)}${pad(r.runId, 34)}${pad(r.command, 10)}${pad(r.attempt ?? 1, 4)}${pad(r.status, 10)}`
      + `${pad(seconds(r.durationMs), 10)}${pad(version, 12)}${r.outcome ?? ''}${error}${action}`);
  }
  return lines.join('\n');
}

export function formatStatistics(rows, days) {
  const lines = [`statistics over the last ${days} day(s):`,
    `  ${pad('environment', 13)}${pad('runs', 6)}${pad('running', 9)}${pad('failed', 8)}${pad('failure rate', 14)}${pad('median', 10)}p95`];
  for (const { environment, stats } of rows) {
    const rate = stats.failureRate === undefined ? '-' : `${(stats.failureRate * 100).toFixed(1)} %`;
    lines.push(`  ${pad(environment, 13)}${pad(stats.runs, 6)}${pad(stats.running, 9)}${pad(stats.failures, 8)}${pad(rate, 14)}`
      + `${pad(seconds(stats.medianMs), 10)}${seconds(stats.p95Ms)}`);
  }
  return lines.join('\n');
}

export async function main(argv, { env = process.env, doc, stdout = process.stdout, stderr = process.stderr, now = Date.now } = {}) {
  let options;
  try {
    options = parseCli(argv, env);
  } catch (error) {
    stderr.write(`runs.mjs: ${error.message}\n${USAGE}\n`);
    return 2;
  }
  if (options.help) {
    stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (!options.region && !doc) {
    stderr.write('runs.mjs: no region: pass --region or set AWS_REGION\n');
    return 2;
  }
  const client = doc ?? DynamoDBDocumentClient.from(new DynamoDBClient({ region: options.region }));
  const since = new Date(now() - options.days * 86_400_000).toISOString();
  const report = [];
  for (const environment of options.environments) {
    try {
      const runs = await queryRuns(client, environment, since);
      report.push({ environment, stats: statistics(runs), last: runs.slice(0, options.last) });
    } catch (error) {
      if (error.name !== 'ResourceNotFoundException') {
        stderr.write(`runs.mjs: ${environment}: ${error.name}: ${error.message}\n`);
        return 1;
      }
      stderr.write(`runs.mjs: ${environment}: no table strata-runs-${environment} (stack not deployed here); skipped\n`);
    }
  }
  if (options.json) {
    stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return 0;
  }
  for (const { environment, last } of report) stdout.write(`${formatRuns(environment, last)}\n\n`);
  stdout.write(`${formatStatistics(report, options.days)}\n`);
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = await main(process.argv.slice(2));
}
