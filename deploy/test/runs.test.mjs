// Tests of deploy/runs.mjs: the last runs and per-environment statistics from the runs tables.
import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';

import { DynamoDBClient, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';

import { main, parseCli, percentile, statistics } from '../runs.mjs';

const docMock = mockClient(DynamoDBDocumentClient);
const NOW = Date.parse('2026-03-31T12:00:00Z');

function sink() {
  const chunks = [];
  return { write: (s) => { chunks.push(s); return true; }, get text() { return chunks.join(''); } };
}
async function run(argv) {
  const stdout = sink();
  const stderr = sink();
  const code = await main(argv, {
    env: {}, doc: DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' })), stdout, stderr, now: () => NOW,
  });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

const run1 = (i, fields) => ({
  runId: `r${i}`, environment: 'staging', command: 'migrate', attempt: 1, startedAt: `2026-03-${String(30 - i).padStart(2, '0')}T10:00:00Z`, ...fields,
});

beforeEach(() => docMock.reset());

describe('statistics', () => {
  test('count, failure rate over finished runs, nearest-rank median and p95 of durations', () => {
    const durations = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 100].map((s) => s * 1000);
    const runs = durations.map((d, i) => run1(i, { status: i % 4 === 0 ? 'FAILED' : 'SUCCEEDED', durationMs: d }));
    runs.push(run1(21, { status: 'RUNNING' }));
    assert.deepEqual(statistics(runs), { runs: 21, running: 1, failures: 5, failureRate: 0.25, medianMs: 10_000, p95Ms: 19_000 });
    assert.equal(percentile([], 50), undefined);
    assert.equal(percentile([5], 95), 5);
    assert.deepEqual(statistics([]), { runs: 0, running: 0, failures: 0, failureRate: undefined, medianMs: undefined, p95Ms: undefined });
  });
});

describe('runs.mjs', () => {
  test('queries each environment\'s table by its index, newest first, all pages; prints runs and statistics', async () => {
    const since = new Date(NOW - 30 * 86_400_000).toISOString();
    docMock.on(QueryCommand, { TableName: 'strata-runs-staging' })
      .resolvesOnce({
        Items: [run1(0, {
          status: 'FAILED', durationMs: 4_000, outcome: 'sql_error', error: { migration: 'V3__x.sql', sqlState: '23505' }, automaticAction: 'none',
        })],
        LastEvaluatedKey: { runId: 'r0' },
      })
      .resolves({
        Items: [run1(1, { status: 'SUCCEEDED', durationMs: 7_200_000, versionBefore: '2', versionAfter: '3', outcome: 'success' })],
      });
    docMock.on(QueryCommand, { TableName: 'strata-runs-prod' })
      .rejects(new ResourceNotFoundException({ message: 'Requested resource not found', $metadata: {} }));

    const { code, stdout, stderr } = await run(['--environment', 'staging', '--environment', 'prod', '--last', '5']);

    assert.equal(code, 0, stderr);
    const calls = docMock.commandCalls(QueryCommand).map((c) => c.args[0].input);
    assert.deepEqual(calls[0], {
      TableName: 'strata-runs-staging', IndexName: 'byEnvironment',
      KeyConditionExpression: '#e = :e AND #s >= :since',
      ExpressionAttributeNames: { '#e': 'environment', '#s': 'startedAt' },
      ExpressionAttributeValues: { ':e': 'staging', ':since': since },
      ScanIndexForward: false, ExclusiveStartKey: undefined,
    });
    assert.deepEqual(calls[1].ExclusiveStartKey, { runId: 'r0' }, 'the second page is read');
    assert.match(stdout, /last 2 run\(s\) in staging:/);
    assert.match(stdout, /r0 .*FAILED .*4\.0 s .*sql_error V3__x\.sql SQLSTATE 23505/);
    assert.match(stdout, /r1 .*SUCCEEDED .*7200 s .*2->3/);
    assert.match(stdout, /staging +2 +0 +1 +50\.0 % +4\.0 s +7200 s/);
    assert.match(stderr, /prod: no table strata-runs-prod .*skipped/);
  });

  test('--json prints the report; --last limits the runs listed, not the statistics', async () => {
    docMock.on(QueryCommand).resolves({ Items: [1, 2, 3].map((i) => run1(i, { status: 'SUCCEEDED', durationMs: i * 1000 })) });
    const { code, stdout } = await run(['--environment', 'dev', '--last', '1', '--json']);
    assert.equal(code, 0);
    const [report] = JSON.parse(stdout);
    assert.equal(report.last.length, 1);
    assert.equal(report.stats.runs, 3);
  });

  test('usage errors exit 2; other AWS errors exit 1', async () => {
    assert.throws(() => parseCli(['--last', '0']), /--last/);
    assert.throws(() => parseCli(['--environment', 'Prod!']), /not an environment/);
    assert.equal((await run(['--days', 'x'])).code, 2);
    docMock.on(QueryCommand).rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }));
    const failed = await run(['--environment', 'dev']);
    assert.equal(failed.code, 1);
    assert.match(failed.stderr, /dev: AccessDeniedException: not authorized/);
  });
});
