// Units of the outcome classification, the retry policy and the e-mail subject.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { failureEmail } from '../notify.mjs';
import { EXIT_CODE_MEANINGS, classify, describeExitCode, location, readStrataOutput } from '../outcome.mjs';
import { backoffSeconds, decide, readPolicy } from '../policy.mjs';

describe('reading strata\'s output', () => {
  test('the result document is the last JSON line only; the last error line is found either way', () => {
    const error = { level: 'error', msg: 'boom' };
    const doc = { operation: 'validate', success: true };
    assert.deepEqual(readStrataOutput([JSON.stringify(error), JSON.stringify(doc), 'plain text']), { document: doc, errorLine: error });
    assert.deepEqual(readStrataOutput([JSON.stringify(doc), JSON.stringify({ level: 'info', msg: 'later' })]),
      { document: undefined, errorLine: undefined }, 'an earlier document is not the outcome');
    assert.deepEqual(readStrataOutput(['[1, 2]', 'null', '{broken']), { document: undefined, errorLine: undefined });
  });
});

describe('classification', () => {
  const cases = [
    [{ exitCode: 0 }, 'success', false],
    [{ exitCode: 4 }, 'lock_timeout', true],
    [{ exitCode: 1, errorLine: { level: 'error', sqlstate: '55P03' } }, 'lock_timeout', true],
    [{ exitCode: 3 }, 'cannot_connect', true],
    [{ exitCode: 1, document: { error: { sqlState: '08006' } } }, 'connection_lost', true],
    [{ exitCode: 1, document: { error: { sqlState: '57P03' } } }, 'connection_lost', true],
    [{ exitCode: 1, document: { error: { sqlState: '23505' } } }, 'sql_error', false],
    [{ exitCode: 1, document: { error: { errorCode: 'VALIDATE_ERROR' } } }, 'validation_failed', false],
    [{ exitCode: 1, errorLine: { level: 'error', error_kind: 'validation_failed' } }, 'validation_failed', false],
    [{ exitCode: 2 }, 'configuration', false],
    [{ exitCode: 143, stopCode: 'UserInitiated' }, 'interrupted', false],
    [{ exitCode: 137, stopCode: 'SpotInterruption' }, 'interrupted', true],
    [{ exitCode: undefined, stopCode: 'TaskFailedToStart' }, 'task_never_started', false],
    [{ exitCode: null, stopCode: 'ServiceSchedulerInitiated' }, 'stopped_before_exit', true],
    [{ exitCode: null, stopCode: 'UserInitiated' }, 'stopped_before_exit', false],
    [{ exitCode: 99 }, 'failed', false],
  ];
  for (const [input, kind, transient] of cases) {
    test(`${JSON.stringify(input)} is ${kind}${transient ? ' (transient)' : ''}`, () => {
      const outcome = classify(input);
      assert.equal(outcome.kind, kind);
      assert.equal(outcome.transient, transient);
    });
  }

  test('exit codes map to words; location is file:line:col', () => {
    assert.deepEqual(Object.keys(EXIT_CODE_MEANINGS).map(Number), [0, 1, 2, 3, 4, 130, 143]);
    assert.match(describeExitCode(137), /SIGKILL/);
    assert.equal(describeExitCode(99), 'unexpected exit code');
    assert.equal(describeExitCode(undefined), 'no exit code');
    assert.equal(location({ file: 'V1__a.sql', line: 3, column: 7 }), 'V1__a.sql:3:7');
    assert.equal(location({ file: 'V1__a.sql' }), 'V1__a.sql');
    assert.equal(location({}), undefined);
  });
});

describe('retry policy', () => {
  test('defaults, bounds, and doubling backoff capped at 5 minutes', () => {
    assert.deepEqual(readPolicy({}), { maxAttempts: 3, baseDelaySeconds: 30, autoRepair: false });
    assert.deepEqual(readPolicy({ RETRY_MAX_ATTEMPTS: '0', RETRY_BASE_DELAY_SECONDS: '-1', AUTO_REPAIR: 'yes' }),
      { maxAttempts: 3, baseDelaySeconds: 30, autoRepair: false }, 'invalid values fall back to the defaults');
    const policy = readPolicy({ RETRY_BASE_DELAY_SECONDS: '100' });
    assert.deepEqual([1, 2, 3, 4].map((a) => backoffSeconds(policy, a)), [100, 200, 300, 300]);
  });

  test('one attempt means never retry', () => {
    const decision = decide(readPolicy({ RETRY_MAX_ATTEMPTS: '1' }), { attempt: 1, command: 'migrate' }, { kind: 'lock_timeout', transient: true });
    assert.equal(decision.action, 'none');
  });

  test('a read-only run is never repaired', () => {
    const outcome = { kind: 'sql_error', transient: false, error: { repairSafe: true } };
    const policy = readPolicy({ AUTO_REPAIR: 'true' });
    assert.equal(decide(policy, { command: 'migrate', readOnly: true }, outcome).action, 'none');
    assert.equal(decide(policy, { command: 'migrate' }, outcome).action, 'repair');
  });
});

describe('failure e-mail', () => {
  test('the subject is ASCII and at most 100 characters (SNS\'s limits)', () => {
    const run = {
      environment: 'prod', command: 'migrate', outcome: 'sql_error', exitWords: 'x', exitCode: 1, runId: 'r', taskArn: 't',
      error: { migration: `V9__${'é'.repeat(120)}.sql`, sqlState: '23505' },
    };
    const { subject } = failureEmail(run, { action: 'none', reason: 'r' });
    assert.equal(subject.length, 100);
    assert.match(subject, /^\[strata prod\] migrate failed: V9__\?\?\?/);
  });
});
