// Tests of deploy/invoke.mjs (the CI side of a run): start through the Lambda, then wait for
// the outcome in the runs table, with aws-sdk-client-mock.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { beforeEach, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';

import { createLambdaClient, main, parseCli } from '../invoke.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const SHA = '0123456789abcdef0123456789abcdef01234567';
const RUN = '5f0c2b6a9e1d4c7b8a3f2e1d0c9b8a7f';
const RETRY = '6a1d3c7b0f2e5d8c9b4a3f2e1d0c9b8a';
const LOGS = 'https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#logsV2:log-groups/log-group/x';
const encode = (value) => new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value));

const lambdaMock = mockClient(LambdaClient);
const docMock = mockClient(DynamoDBDocumentClient);

function sink() {
  const chunks = [];
  return { write: (s) => { chunks.push(s); return true; }, get text() { return chunks.join(''); } };
}

/** Runs main() with a fake clock that each sleep advances. */
async function run(argv, env = { AWS_REGION: 'eu-west-1' }) {
  const stdout = sink();
  const stderr = sink();
  const written = [];
  const clock = { t: 0, sleeps: 0 };
  const code = await main(argv, {
    env,
    client: new LambdaClient({ region: 'eu-west-1' }),
    doc: DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' })),
    stdout,
    stderr,
    write: (file, text) => written.push({ file, text }),
    sleep: async (ms) => { clock.t += ms; clock.sleeps += 1; },
    now: () => clock.t,
  });
  return { code, stdout: stdout.text, stderr: stderr.text, written, clock };
}

const started = { status: 'STARTED', runId: RUN, runsTable: 'strata-runs-staging', logUrl: LOGS, taskArn: `arn:.../${RUN}` };
const item = (runId, fields) => ({
  runId, environment: 'staging', command: 'migrate', attempt: 1, logUrl: LOGS, ...fields,
});
/** GetItem answers: one list per run id, the last answer repeating. */
function runsTable(answers) {
  const seen = {};
  docMock.on(GetCommand).callsFake(({ Key }) => {
    const list = answers[Key.runId] ?? [undefined];
    const i = Math.min(seen[Key.runId] ?? 0, list.length - 1);
    seen[Key.runId] = i + 1;
    return { Item: list[i] };
  });
}

beforeEach(() => {
  lambdaMock.reset();
  docMock.reset();
  lambdaMock.on(InvokeCommand).resolves({ StatusCode: 200, Payload: encode(started) });
});

describe('invoke.mjs: start, then wait for the outcome', () => {
  test('success after two hours: polls the runs table until the run has an outcome, exits 0', async () => {
    const done = item(RUN, {
      status: 'SUCCEEDED', exitCode: 0, exitWords: 'success', durationMs: 7_200_000, versionBefore: '1', versionAfter: '3', migrationsExecuted: 2,
    });
    runsTable({ [RUN]: [undefined, item(RUN, { status: 'RUNNING' }), ...Array(478).fill(item(RUN, { status: 'RUNNING' })), done] });

    const { code, stdout, stderr, written, clock } = await run(
      ['--environment', 'staging', '--image-tag', SHA, '--output', 'migration-result.json'],
      { AWS_REGION: 'eu-west-1', CI_COMMIT_SHA: SHA, CI_JOB_URL: 'https://gitlab.example.com/g/p/-/jobs/7' });

    assert.equal(code, 0, stderr);
    const input = lambdaMock.commandCalls(InvokeCommand)[0].args[0].input;
    assert.equal(input.FunctionName, 'strata-migrate-staging');
    assert.equal(input.InvocationType, 'RequestResponse');
    assert.deepEqual(JSON.parse(new TextDecoder().decode(input.Payload)),
      { environment: 'staging', imageTag: SHA, commit: SHA, requestedBy: 'https://gitlab.example.com/g/p/-/jobs/7' });
    assert.deepEqual(docMock.commandCalls(GetCommand)[0].args[0].input,
      { TableName: 'strata-runs-staging', Key: { runId: RUN }, ConsistentRead: true });
    assert.equal(clock.t, 480 * 15_000, 'two hours of 15 s polls');
    assert.match(stdout, new RegExp(`run ${RUN}: not recorded yet`));
    assert.match(stdout, new RegExp(`run ${RUN}: RUNNING \\(logs: `));
    assert.match(stdout, /strata migrate SUCCEEDED - success \(exit code 0\)/);
    assert.match(stdout, /duration: {3}7200 s/);
    assert.match(stdout, /version: {4}1 -> 3/);
    assert.equal(written[0].file, 'migration-result.json');
    assert.deepEqual(JSON.parse(written[0].text), { ok: true, timedOut: false, runs: [done] });
  });

  test('a transient failure retried automatically: follows the chain to the retry\'s success', async () => {
    runsTable({
      [RUN]: [item(RUN, { status: 'FAILED', exitCode: 4, exitWords: 'lock wait timed out', outcome: 'lock_timeout', followUpPending: true }),
        item(RUN, { status: 'FAILED', exitCode: 4, exitWords: 'lock wait timed out', outcome: 'lock_timeout', automaticAction: 'retry',
          automaticReason: 'lock_timeout is transient', nextRunId: RETRY, followUpPending: false })],
      [RETRY]: [item(RETRY, { status: 'RUNNING', attempt: 2 }), item(RETRY, { status: 'SUCCEEDED', attempt: 2, exitCode: 0, exitWords: 'success', automatic: 'retry' })],
    });

    const { code, stdout, written } = await run(['--environment', 'staging', '--image-tag', SHA, '--output', 'r.json']);

    assert.equal(code, 0);
    assert.match(stdout, /automatic: {2}retry \(lock_timeout is transient\)/);
    assert.match(stdout, new RegExp(`following automatic retry: run ${RETRY}`));
    assert.match(stdout, /attempt 2, automatic retry\): strata migrate SUCCEEDED/);
    assert.equal(JSON.parse(written[0].text).runs.length, 2);
  });

  test('a failed run: prints the error, file:line:col, DETAIL, HINT and fix; exits 1', async () => {
    runsTable({
      [RUN]: [item(RUN, {
        status: 'FAILED', exitCode: 1, exitWords: 'migration or validation failed', outcome: 'sql_error', automaticAction: 'none',
        error: { message: 'duplicate key', sqlState: '23505', file: 'V3__x.sql', line: 4, column: 1, detail: 'Key (id)=(1)', hint: 'dedupe', fix: 'strata repair' },
      })],
    });

    const { code, stdout, stderr } = await run(['--environment', 'staging', '--image-tag', SHA]);

    assert.equal(code, 1);
    for (const part of ['error:      duplicate key [SQLSTATE 23505]', 'where:      V3__x.sql:4:1', 'DETAIL:     Key (id)=(1)',
      'HINT:       dedupe', 'fix:        strata repair', `logs:       ${LOGS}`]) assert.ok(stdout.includes(part), part);
    assert.match(stderr, new RegExp(`strata migrate FAILED in staging \\(run ${RUN}: sql_error\\)`));
  });

  test('a failed fleet run: one line per shard; exits 1', async () => {
    runsTable({
      [RUN]: [item(RUN, {
        status: 'FAILED', exitCode: 1, exitWords: 'migration or validation failed', outcome: 'sql_error', automaticAction: 'none', fleet: true,
        error: { message: 'shard 2/2: target tenant_07: relation "clash" already exists' },
        shards: [{ shard: '1/2', outcome: 'success' }, { shard: '2/2', outcome: 'sql_error', error: { message: 'target tenant_07: relation "clash" already exists' } }],
      })],
    });

    const { code, stdout } = await run(['--environment', 'staging', '--image-tag', SHA]);

    assert.equal(code, 1);
    assert.ok(stdout.includes('  shard 1/2: success\n  shard 2/2: sql_error - target tenant_07: relation "clash" already exists'), stdout);
  });

  test('an automatic repair that succeeded still fails the job: the migration did not apply', async () => {
    runsTable({
      [RUN]: [item(RUN, { status: 'FAILED', exitCode: 1, outcome: 'sql_error', automaticAction: 'repair', automaticReason: 'safe', nextRunId: RETRY })],
      [RETRY]: [item(RETRY, { status: 'SUCCEEDED', command: 'repair', automatic: 'repair', exitCode: 0 })],
    });
    const { code, stdout } = await run(['--environment', 'staging', '--image-tag', SHA]);
    assert.equal(code, 1);
    assert.match(stdout, /automatic repair\): strata repair SUCCEEDED/);
  });

  test('its own timeout: a clear message, the task is left running, exit 1', async () => {
    runsTable({ [RUN]: [item(RUN, { status: 'RUNNING' })] });

    const { code, stderr, clock, written } = await run(['--environment', 'staging', '--image-tag', SHA, '--wait-minutes', '2', '--output', 'r.json']);

    assert.equal(code, 1);
    assert.ok(clock.t <= 120_000);
    assert.match(stderr, new RegExp(`gave up waiting after 2 min: run ${RUN} has no outcome yet\\. The task is NOT stopped`));
    assert.match(stderr, /node deploy\/runs\.mjs --environment staging/);
    assert.equal(JSON.parse(written[0].text).timedOut, true);
  });

  test('the run does not start (FunctionError, e.g. RunTaskFailed): exit 1 without polling', async () => {
    lambdaMock.on(InvokeCommand).resolves({
      StatusCode: 200, FunctionError: 'Unhandled',
      Payload: encode({ errorType: 'RunTaskFailed', errorMessage: 'could not start the migrate task in staging: RESOURCE:ENI' }),
    });
    const { code, stderr, written } = await run(['--environment', 'staging', '--image-tag', SHA, '--function', 'custom-fn', '--output', 'r.json']);
    assert.equal(code, 1);
    assert.match(stderr, /run NOT started \(RunTaskFailed\) via custom-fn:\n {2}could not start the migrate task/);
    assert.equal(JSON.parse(written[0].text).errorType, 'RunTaskFailed');
    assert.equal(docMock.calls().length, 0);
  });

  test('an answer that is not STARTED, or an AWS error, fails the job', async () => {
    lambdaMock.on(InvokeCommand).resolves({ StatusCode: 200, Payload: encode({ status: 'SUCCEEDED' }) });
    assert.match((await run(['--environment', 'staging', '--image-tag', SHA])).stderr, /UnexpectedResponse/);
    const denied = new Error('User is not authorized to perform: lambda:InvokeFunction');
    denied.name = 'AccessDeniedException';
    lambdaMock.on(InvokeCommand).rejects(denied);
    const { code, stderr } = await run(['--environment', 'staging', '--image-tag', SHA]);
    assert.equal(code, 1);
    assert.match(stderr, /AccessDeniedException.*could not invoke strata-migrate-staging: User is not authorized/s);
  });
});

describe('invoke.mjs: options', () => {
  test('command, read-only, dry-run, digest and task definition reach the payload; env supplies the defaults', () => {
    const digest = `sha256:${'cd'.repeat(32)}`;
    assert.deepEqual(
      parseCli(['--image-digest', digest, '--command', 'migrate', '--read-only', '--dry-run'],
        { STRATA_ENVIRONMENT: 'dev', STRATA_LAMBDA_FUNCTION: 'fn', AWS_REGION: 'us-east-2', STRATA_WAIT_MINUTES: '30' }),
      {
        functionName: 'fn', region: 'us-east-2', output: undefined, waitMs: 1_800_000, pollMs: 15_000,
        payload: { environment: 'dev', imageDigest: digest, command: 'migrate', readOnly: true, dryRun: true },
      },
    );
    const arn = 'arn:aws:ecs:eu-west-1:000000000000:task-definition/strata-migrate-dev:4';
    const parsed = parseCli(['--environment', 'dev', '--task-definition-arn', arn, '--region', 'eu-west-1'], {});
    assert.deepEqual(parsed.payload, { environment: 'dev', taskDefinitionArn: arn });
    assert.equal(parsed.waitMs, 240 * 60_000, 'four hours by default');
  });

  test('usage errors exit 2 without calling AWS', async () => {
    for (const argv of [
      ['--image-tag', SHA],
      ['--environment', 'staging'],
      ['--environment', 'staging', '--image-tag', SHA, '--image-digest', 'sha256:x'],
      ['--environment', 'staging', '--image-tag', SHA, '--bogus'],
      ['--environment', 'staging', '--image-tag', SHA, '--wait-minutes', '0'],
    ]) {
      const { code, stderr } = await run(argv);
      assert.equal(code, 2, argv.join(' '));
      assert.match(stderr, /usage: invoke\.mjs/);
    }
    assert.equal(lambdaMock.calls().length, 0);
  });

  test('the real client never retries the invoke (a retry could start a second task)', async () => {
    const client = createLambdaClient('eu-west-1');
    assert.equal(await client.config.maxAttempts(), 1);
  });

  test('as a program: no region is a usage error (exit 2)', async () => {
    const env = { PATH: process.env.PATH };
    await assert.rejects(
      promisify(execFile)(process.execPath, [join(here, '..', 'invoke.mjs'), '--environment', 'dev', '--image-tag', 'x'], { env }),
      (error) => {
        assert.equal(error.code, 2);
        assert.match(error.stderr, /no region/);
        return true;
      },
    );
  });
});
