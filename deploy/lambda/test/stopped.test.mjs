// onTaskStopped: every outcome the issue lists, against an in-memory runs table.
import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';

import { DescribeTaskDefinitionCommand, RunTaskCommand } from '@aws-sdk/client-ecs';
import { GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { PublishCommand } from '@aws-sdk/client-sns';

import {
  ENV, SHA, TD_ARN, TOPIC, ecsMock, fakeRunsTable, logsMock, makeFunction, resetMocks, snsMock, stoppedEvent, taskArn,
} from './fixtures.mjs';

const FIRST = 'aaaa0000000000000000000000000001';
let table;
let taskIds;

/** Each RunTask starts a new task: ids bbbb...1, bbbb...2, ... */
function mockRunTask() {
  let n = 0;
  ecsMock.on(RunTaskCommand).callsFake(() => {
    n += 1;
    const id = `bbbb${String(n).padStart(28, '0')}`;
    taskIds.push(id);
    return { tasks: [{ taskArn: taskArn(id) }], failures: [] };
  });
}

/** The task's log stream ends with these JSON lines. */
function logLines(...lines) {
  logsMock.on(GetLogEventsCommand).resolves({
    events: lines.map((l, i) => ({ timestamp: i, message: typeof l === 'string' ? l : JSON.stringify(l) })),
  });
}

const migrateResult = {
  operation: 'migrate', success: true, initialSchemaVersion: '1', targetSchemaVersion: '3', migrationsExecuted: 2,
  migrations: [
    { category: 'Versioned', version: '2', description: 'add users', type: 'SQL', filepath: 'migrations/V2__add_users.sql', executionTime: 12 },
    { category: 'Versioned', version: '3', description: 'add index', type: 'SQL', filepath: 'migrations/V3__add_index.sql', executionTime: 30 },
  ],
  warnings: [], schemaName: 'public', database: 'app', flywayVersion: '10.0.0',
};
const sqlError = {
  error: {
    errorCode: 'FAILED_VERSIONED_MIGRATION', sqlState: '23505',
    message: 'Migration V3__add_index.sql failed: could not create unique index "users_email"',
    file: 'migrations/V3__add_index.sql', line: 4, column: 1, migration: 'V3__add_index.sql',
    fix: 'strata repair, after removing what V3 did', detail: 'Key (email)=(a@example.com) is duplicated.', hint: '',
  },
};
const lockTimeoutLine = {
  level: 'error', msg: 'could not acquire the migration lock within 60 s', error_kind: 'lock_timeout', exit_code: 4, sqlstate: '',
};

beforeEach(() => {
  resetMocks();
  table = fakeRunsTable();
  taskIds = [];
  mockRunTask();
  logsMock.on(GetLogEventsCommand).resolves({ events: [] });
  snsMock.on(PublishCommand).resolves({ MessageId: 'm-1' });
});

const published = () => snsMock.commandCalls(PublishCommand).map((c) => c.args[0].input);

describe('recording outcomes', () => {
  test('success: the result document fills the run; no e-mail; EMF metrics are logged', async () => {
    logLines({ level: 'info', msg: 'applied 2 migrations' }, migrateResult);
    const fn = makeFunction();

    const result = await fn.stopped(stoppedEvent(FIRST, { exitCode: 0 }));

    assert.deepEqual(result, { runId: FIRST, status: 'SUCCEEDED' });
    const item = table.get(FIRST);
    assert.equal(item.status, 'SUCCEEDED');
    assert.equal(item.exitWords, 'success');
    assert.equal(item.versionBefore, '1');
    assert.equal(item.versionAfter, '3');
    assert.equal(item.migrationsExecuted, 2);
    assert.deepEqual(item.migrations[1], {
      version: '3', description: 'add index', type: 'SQL', filepath: 'migrations/V3__add_index.sql', executionTimeMs: 30,
    });
    assert.equal(item.durationMs, 42_500);
    assert.equal(item.taskDefinitionArn, TD_ARN(8));
    assert.deepEqual(logsMock.commandCalls(GetLogEventsCommand)[0].args[0].input, {
      logGroupName: '/strata/staging/migrations', logStreamName: `migrate/strata/${FIRST}`, startFromHead: false, limit: 50,
    });
    assert.equal(published().length, 0);
    const emf = fn.logLines.find((l) => l._aws);
    assert.equal(emf._aws.CloudWatchMetrics[0].Namespace, 'Strata/Migrations');
    assert.deepEqual(emf._aws.CloudWatchMetrics[0].Dimensions, [['Environment'], ['Environment', 'Command']]);
    assert.deepEqual([emf.Environment, emf.Command, emf.Runs, emf.Failures, emf.Duration, emf.MigrationsApplied],
      ['staging', 'migrate', 1, 0, 42_500, 2]);
  });

  test('SQL error: recorded, never retried, e-mail names environment, migration and SQLSTATE and holds the fix', async () => {
    logLines({ level: 'error', msg: 'older error line' }, sqlError);
    const fn = makeFunction();

    const result = await fn.stopped(stoppedEvent(FIRST, { exitCode: 1 }));

    assert.equal(result.outcome, 'sql_error');
    assert.equal(result.action, 'none');
    assert.equal(ecsMock.commandCalls(RunTaskCommand).length, 0, 'an SQL error is never retried');
    const item = table.get(FIRST);
    assert.equal(item.status, 'FAILED');
    assert.equal(item.followUpPending, false, 'the policy is applied: a waiting CI job may take this as final');
    assert.equal(item.error.sqlState, '23505');
    assert.equal(item.error.file, 'migrations/V3__add_index.sql');
    assert.equal(item.error.hint, undefined, 'empty fields are left out');
    assert.equal(item.automaticAction, 'none');
    const [mail] = published();
    assert.equal(mail.TopicArn, TOPIC);
    assert.equal(mail.Subject, '[strata staging] migrate failed: V3__add_index.sql SQLSTATE 23505');
    for (const part of [
      'could not create unique index', 'Where:      migrations/V3__add_index.sql:4:1', 'DETAIL:     Key (email)=(a@example.com) is duplicated.',
      'Fix:        strata repair, after removing what V3 did', `Run:        ${FIRST}`, 'Logs:       https://eu-west-1.console.aws.amazon.com/',
      'Automatic action: none (sql error is never retried or repaired automatically)',
    ]) assert.ok(mail.Message.includes(part), `the e-mail holds ${part}:\n${mail.Message}`);
    assert.equal(table.get(FIRST).notified, mail.Subject);
    assert.equal(fn.logLines.find((l) => l._aws).Failures, 1);
  });

  test('validation error: never retried and never repaired, even where repair is allowed', async () => {
    logLines({ error: { errorCode: 'VALIDATE_ERROR', message: 'checksum mismatch for V2', migration: 'V2__add_users.sql', repairSafe: true } });
    const fn = makeFunction();

    const result = await fn.stopped(stoppedEvent(FIRST, { exitCode: 1, command: ['validate'] }));

    assert.equal(result.outcome, 'validation_failed');
    assert.equal(result.action, 'none');
    assert.equal(ecsMock.commandCalls(RunTaskCommand).length, 0);
    assert.match(published()[0].Subject, /^\[strata staging\] validate failed: V2__add_users\.sql$/);
  });

  test('today\'s strata (no result document): the last error log line is the error', async () => {
    logLines({ level: 'error', msg: 'syntax error at or near "CREAT"', error_kind: 'sql', file: 'migrations/V4__x.sql', line: 2, column: 5, sqlstate: '42601', detail: '', hint: '', exit_code: 1 },
      'not json: a plain stderr line');
    const fn = makeFunction();

    await fn.stopped(stoppedEvent(FIRST, { exitCode: 1 }));

    const item = table.get(FIRST);
    assert.deepEqual(item.error, {
      errorKind: 'sql', sqlState: '42601', message: 'syntax error at or near "CREAT"', file: 'migrations/V4__x.sql', line: 2, column: 5,
    });
    assert.match(published()[0].Message, /Where: {6}migrations\/V4__x\.sql:2:5/);
  });

  test('logs that cannot be read: the outcome comes from the exit code alone', async () => {
    logsMock.on(GetLogEventsCommand).rejects(new Error('AccessDenied'));
    const fn = makeFunction();

    const result = await fn.stopped(stoppedEvent(FIRST, { exitCode: 2 }));

    assert.equal(result.outcome, 'configuration');
    assert.equal(table.get(FIRST).exitWords, 'configuration error');
    assert.ok(fn.logLines.some((l) => l.msg === 'could not read the task log'));
  });
});

describe('transient failures and the retry policy', () => {
  test('lock timeout retried, then succeeded: each attempt is a run, chained in the table', async () => {
    logLines(lockTimeoutLine);
    const fn = makeFunction();

    const first = await fn.stopped(stoppedEvent(FIRST, { exitCode: 4 }));

    assert.equal(first.outcome, 'lock_timeout');
    assert.equal(first.action, 'retry');
    assert.deepEqual(fn.sleeps, [30_000], 'backoff before the retry');
    const [retryId] = taskIds;
    assert.equal(first.nextRunId, retryId);
    const runTask = ecsMock.commandCalls(RunTaskCommand)[0].args[0].input;
    assert.equal(runTask.taskDefinition, TD_ARN(8), 'the same revision (same image) is retried');
    assert.equal(runTask.startedBy, 'strata-staging/attempt-2');
    assert.equal(runTask.clientToken, `${FIRST}-retry`);
    assert.deepEqual(runTask.overrides.containerOverrides[0].command, ['migrate']);
    assert.equal(ecsMock.commandCalls(DescribeTaskDefinitionCommand).length, 0);
    assert.equal(table.get(FIRST).nextRunId, retryId);
    assert.equal(table.get(FIRST).automaticAction, 'retry');
    assert.equal(table.get(FIRST).followUpPending, false);
    assert.deepEqual([table.get(retryId).attempt, table.get(retryId).retryOf, table.get(retryId).firstRunId, table.get(retryId).automatic],
      [2, FIRST, FIRST, 'retry']);
    const [mail] = published();
    assert.match(mail.Subject, /^\[strata staging\] migrate failed: lock timeout - retrying$/);
    assert.match(mail.Message, /Automatic action: retry \(lock_timeout is transient: attempt 2 of 3 starts after 30 s\)/);
    assert.match(mail.Message, new RegExp(`Next run: {3}${retryId}`));

    logLines(migrateResult);
    const second = await fn.stopped(stoppedEvent(retryId, { exitCode: 0, attempt: 2 }));
    assert.equal(second.status, 'SUCCEEDED');
    assert.equal(table.get(retryId).status, 'SUCCEEDED');
    assert.equal(published().length, 1, 'no e-mail for the success');
  });

  test('retries exhausted: the last attempt is not retried and the e-mail says so', async () => {
    const fn = makeFunction({ env: { ...ENV, RETRY_MAX_ATTEMPTS: '2', RETRY_BASE_DELAY_SECONDS: '10' } });

    const first = await fn.stopped(stoppedEvent(FIRST, { exitCode: 3 }));
    assert.equal(first.outcome, 'cannot_connect');
    assert.equal(first.action, 'retry');
    const second = await fn.stopped(stoppedEvent(taskIds[0], { exitCode: 3, attempt: 2 }));

    assert.equal(second.action, 'none');
    assert.equal(ecsMock.commandCalls(RunTaskCommand).length, 1);
    assert.deepEqual(fn.sleeps, [10_000]);
    assert.match(published()[1].Message, /cannot_connect is transient but all 2 attempts are used/);
    assert.equal(table.get(taskIds[0]).nextRunId, undefined);
  });

  test('backoff doubles with each attempt', async () => {
    const fn = makeFunction();
    await fn.stopped(stoppedEvent(FIRST, { exitCode: 4, attempt: 2 }));
    assert.deepEqual(fn.sleeps, [60_000]);
  });

  test('connection lost during a migration (SQLSTATE 57P01, a failover) is retried', async () => {
    logLines({ error: { errorCode: 'FAILED_VERSIONED_MIGRATION', sqlState: '57P01', message: 'terminating connection due to administrator command', migration: 'V3__add_index.sql' } });
    const fn = makeFunction();

    const result = await fn.stopped(stoppedEvent(FIRST, { exitCode: 1 }));

    assert.equal(result.outcome, 'connection_lost');
    assert.equal(result.action, 'retry');
    assert.match(published()[0].Subject, /V3__add_index\.sql SQLSTATE 57P01 - retrying$/);
  });

  test('task never started (CannotPullContainerError): not retried, the e-mail gives ECS\'s reason', async () => {
    const fn = makeFunction();

    const result = await fn.stopped(stoppedEvent(FIRST, {
      exitCode: undefined, stopCode: 'TaskFailedToStart', stoppedReason: 'Task failed to start',
      reason: `CannotPullContainerError: ref ${SHA}: not found`,
    }));

    assert.equal(result.outcome, 'task_never_started');
    assert.equal(result.action, 'none');
    assert.equal(logsMock.commandCalls(GetLogEventsCommand).length, 0, 'no log to read: strata never ran');
    const item = table.get(FIRST);
    assert.equal(item.exitCode, null);
    assert.equal(item.startedAt, '2026-03-02T10:00:00.000Z', 'created time when it never started');
    assert.match(item.stoppedReason, /CannotPullContainerError/);
    assert.match(published()[0].Message, /Error: {6}CannotPullContainerError/);
  });

  test('stopped by ECS before strata exited (host replaced): retried; stopped by a person: not', async () => {
    const fn = makeFunction();
    const byEcs = await fn.stopped(stoppedEvent(FIRST, { exitCode: undefined, stopCode: 'ServiceSchedulerInitiated', stoppedReason: 'Task stopped by ECS' }));
    assert.equal(byEcs.outcome, 'stopped_before_exit');
    assert.equal(byEcs.action, 'retry');

    const byPerson = await fn.stopped(stoppedEvent('cccc0000000000000000000000000001', {
      exitCode: 143, stopCode: 'UserInitiated', stoppedReason: 'stopped by alice',
    }));
    assert.equal(byPerson.outcome, 'interrupted');
    assert.equal(byPerson.action, 'none');
  });
});

describe('automatic repair', () => {
  const safeFailure = {
    error: {
      errorCode: 'FAILED_VERSIONED_MIGRATION', sqlState: '40P01', message: 'deadlock detected during CREATE INDEX CONCURRENTLY',
      migration: 'V5__index.sql', fix: 'strata repair', repairSafe: true,
    },
  };

  test('where the policy allows it, a failed row strata reports as safe is repaired by a repair run', async () => {
    logLines(safeFailure);
    const fn = makeFunction();

    const result = await fn.stopped(stoppedEvent(FIRST, { exitCode: 1 }));

    assert.equal(result.action, 'repair');
    const runTask = ecsMock.commandCalls(RunTaskCommand)[0].args[0].input;
    assert.deepEqual(runTask.overrides.containerOverrides[0].command, ['repair']);
    assert.equal(table.get(result.nextRunId).automatic, 'repair');
    assert.equal(table.get(result.nextRunId).command, 'repair');
    assert.match(published()[0].Subject, /- repairing$/);
    assert.match(published()[0].Message, /Automatic action: repair \(strata reports the failed row as safe to remove/);
  });

  test('off (production\'s default): nothing runs and the e-mail says why', async () => {
    logLines(safeFailure);
    const fn = makeFunction({ env: { ...ENV, AUTO_REPAIR: 'false' } });

    const result = await fn.stopped(stoppedEvent(FIRST, { exitCode: 1 }));

    assert.equal(result.action, 'none');
    assert.equal(ecsMock.commandCalls(RunTaskCommand).length, 0);
    assert.match(published()[0].Message, /automatic repair is off here/);
  });

  test('a failed row strata does not call safe is never repaired', async () => {
    logLines({ error: { ...safeFailure.error, repairSafe: undefined } });
    const result = await makeFunction().stopped(stoppedEvent(FIRST, { exitCode: 1 }));
    assert.equal(result.action, 'none');
    assert.equal(ecsMock.commandCalls(RunTaskCommand).length, 0);
  });
});

describe('delivery order and duplicates', () => {
  test('a run longer than 15 minutes: the starter returned long before; the STOPPED event records it', async () => {
    const fn = makeFunction();
    const started = await fn.start({ environment: 'staging', taskDefinitionArn: TD_ARN(8), commit: SHA });
    assert.equal(started.status, 'STARTED');
    const runId = taskIds[0];
    assert.equal(table.get(runId).status, 'RUNNING');

    logLines(migrateResult);
    await fn.stopped(stoppedEvent(runId, { exitCode: 0, startedAt: '2026-03-02T10:00:00Z', stoppedAt: '2026-03-02T12:03:00Z' }));

    const item = table.get(runId);
    assert.equal(item.status, 'SUCCEEDED');
    assert.equal(item.durationMs, (2 * 3600 + 3 * 60) * 1000);
    assert.equal(item.commit, SHA, 'what the starter recorded is kept');
  });

  test('a duplicate delivery is recorded once: no second e-mail, no second retry', async () => {
    logLines(lockTimeoutLine);
    const fn = makeFunction();
    const event = stoppedEvent(FIRST, { exitCode: 4 });

    await fn.stopped(event);
    const again = await fn.stopped(structuredClone(event));

    assert.deepEqual(again, { runId: FIRST, duplicate: true });
    assert.equal(published().length, 1);
    assert.equal(ecsMock.commandCalls(RunTaskCommand).length, 1);
    assert.equal(fn.logLines.filter((l) => l._aws).length, 1, 'metrics are emitted once');
  });

  test('out of order: STOPPED recorded before the starter\'s write; the outcome is kept, the request merged', async () => {
    const runId = 'bbbb0000000000000000000000000001';
    logLines(migrateResult);
    const fn = makeFunction();
    await fn.stopped(stoppedEvent(runId, { exitCode: 0 }));

    await fn.start({ environment: 'staging', taskDefinitionArn: TD_ARN(8), commit: SHA, requestedBy: 'https://ci/job/1' });

    const item = table.get(runId);
    assert.equal(item.status, 'SUCCEEDED', 'the late start record does not reset the outcome');
    assert.equal(item.startedAt, '2026-03-02T10:00:00.000Z');
    assert.equal(item.requestedBy, 'https://ci/job/1');
    assert.equal(item.migrationsExecuted, 2);
  });

  test('events that are not a STOPPED task change are ignored', async () => {
    const fn = makeFunction();
    const running = stoppedEvent(FIRST, { exitCode: 0 });
    running.detail.lastStatus = 'RUNNING';
    assert.deepEqual(await fn.stopped(running), { ignored: true });
    assert.deepEqual(await fn.stopped({ 'detail-type': 'Scheduled Event', detail: {} }), { ignored: true });
    assert.equal(table.size, 0);
  });

  test('a failure is marked pending until the policy is applied, so CI does not stop at FAILED before the retry exists', async () => {
    const seen = [];
    const fn = makeFunction();
    logLines(lockTimeoutLine);
    ecsMock.on(RunTaskCommand).callsFake(() => {
      seen.push({ ...table.get(FIRST) });
      return { tasks: [{ taskArn: taskArn('dddd0000000000000000000000000001') }], failures: [] };
    });
    await fn.stopped(stoppedEvent(FIRST, { exitCode: 4 }));
    assert.equal(seen[0].status, 'FAILED');
    assert.equal(seen[0].followUpPending, true, 'while the retry is being started');
    assert.equal(seen[0].nextRunId, undefined);
    assert.equal(table.get(FIRST).followUpPending, false);
    assert.equal(table.get(FIRST).nextRunId, 'dddd0000000000000000000000000001');
  });

  test('a failing e-mail does not lose the record', async () => {
    snsMock.on(PublishCommand).rejects(new Error('Throttling'));
    const fn = makeFunction();
    await fn.stopped(stoppedEvent(FIRST, { exitCode: 2 }));
    assert.equal(table.get(FIRST).status, 'FAILED');
    assert.equal(table.get(FIRST).followUpPending, false);
    assert.ok(fn.logLines.some((l) => l.msg === 'could not publish the failure e-mail'));
  });
});
