// Fleet mode: the starter starts the fleet state machine instead of one task; the aggregator
// (the state machine's last step) records ONE outcome and sends ONE e-mail for all shards;
// the per-task recorder leaves shard tasks alone.
import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';

import { GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  DescribeTaskDefinitionCommand, DescribeTasksCommand, RegisterTaskDefinitionCommand, RunTaskCommand,
} from '@aws-sdk/client-ecs';
import { PublishCommand } from '@aws-sdk/client-sns';
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';

import {
  CHECK_FAMILY, CLUSTER, FAMILY, FLEET_ENV, REGION, REPO, SHA, STATE_MACHINE, TABLE, TD_ARN,
  currentTaskDefinition, docMock, ecsMock, fakeRunsTable, logsMock, makeFunction, resetMocks, snsMock, sfnMock,
  stoppedEvent, taskArn,
} from './fixtures.mjs';

const RUN_ID = 'fleet-req-1234';
const EXECUTION = `arn:aws:states:${REGION}:000000000000:execution:strata-staging-fleet:${RUN_ID}`;
const SHARD_TASK = (shard) => `0000000000000000000000000000000${shard}`;
let table;

beforeEach(() => {
  resetMocks();
  table = fakeRunsTable();
  for (const family of [FAMILY, CHECK_FAMILY]) {
    ecsMock.on(DescribeTaskDefinitionCommand, { taskDefinition: family }).resolves({ taskDefinition: currentTaskDefinition(family) });
  }
  ecsMock.on(RegisterTaskDefinitionCommand).callsFake((input) => ({
    taskDefinition: { ...input, taskDefinitionArn: TD_ARN(8, input.family), revision: 8 },
  }));
  ecsMock.on(RunTaskCommand).resolves({ tasks: [{ taskArn: taskArn('single') }], failures: [] });
  sfnMock.on(StartExecutionCommand).resolves({ executionArn: EXECUTION, startDate: new Date() });
});

describe('starting a fleet run', () => {
  test('migrate starts the state machine (not a task) with the new revision and records one RUNNING item', async () => {
    const { start } = makeFunction({ env: FLEET_ENV });
    const result = await start({ environment: 'staging', imageTag: SHA, commit: SHA });

    assert.equal(ecsMock.commandCalls(RunTaskCommand).length, 0, 'no task is started by the Lambda itself');
    const calls = sfnMock.commandCalls(StartExecutionCommand);
    assert.equal(calls.length, 1);
    assert.equal(calls[0].args[0].input.stateMachineArn, STATE_MACHINE);
    assert.equal(calls[0].args[0].input.name, RUN_ID, 'the execution is named by the run id: a retried invocation starts none twice');
    assert.deepEqual(JSON.parse(calls[0].args[0].input.input), { runId: RUN_ID, taskDefinitionArn: TD_ARN(8) });
    assert.equal(ecsMock.commandCalls(RegisterTaskDefinitionCommand)[0].args[0].input.containerDefinitions[0].image, `${REPO}:${SHA}`);

    assert.equal(result.status, 'STARTED');
    assert.equal(result.runId, RUN_ID);
    assert.equal(result.executionArn, EXECUTION);
    const item = table.get(RUN_ID);
    assert.equal(item.status, 'RUNNING');
    assert.equal(item.fleet, true);
    assert.equal(item.shardCount, 3);
    assert.equal(item.commit, SHA);
    assert.match(item.logUrl, /states\/home\?region=eu-west-1#\/v2\/executions\/details\/arn:aws:states:/);
  });

  test('the read-only check and a dry run stay single tasks in fleet mode', async () => {
    const { start } = makeFunction({ env: FLEET_ENV });
    await start({ environment: 'staging', imageTag: SHA, command: 'validate', readOnly: true });
    await start({ environment: 'staging', imageTag: SHA, dryRun: true });
    assert.equal(sfnMock.commandCalls(StartExecutionCommand).length, 0);
    assert.equal(ecsMock.commandCalls(RunTaskCommand).length, 2);
  });

  test('without fleet mode migrate runs one task', async () => {
    const { start } = makeFunction();
    await start({ environment: 'staging', imageTag: SHA });
    assert.equal(sfnMock.commandCalls(StartExecutionCommand).length, 0);
    assert.equal(ecsMock.commandCalls(RunTaskCommand).length, 1);
  });
});

describe('the per-task recorder and shard tasks', () => {
  test('a STOPPED shard task (fleet task group) is not recorded as a run of its own', async () => {
    const { stopped } = makeFunction({ env: FLEET_ENV });
    const event = stoppedEvent(SHARD_TASK(1), { exitCode: 1 });
    event.detail.group = 'strata-staging-fleet';
    assert.deepEqual(await stopped(event), { ignored: true, fleetShard: true });
    assert.equal(docMock.commandCalls(UpdateCommand).length, 0);
    assert.equal(snsMock.commandCalls(PublishCommand).length, 0);
  });
});

/** A fleet summary line as strata prints it last under STRATA_LOG_FORMAT=json. */
const summary = (targets) => JSON.stringify({
  command: 'migrate',
  exitCode: Math.max(0, ...targets.map((t) => t.exitCode)),
  succeeded: targets.filter((t) => t.outcome === 'succeeded').length,
  failed: targets.filter((t) => t.outcome === 'failed').length,
  skipped: 0,
  durationMs: 900,
  targets,
});
const ok = (name) => ({ name, database: name, outcome: 'succeeded', exitCode: 0, versionBefore: '1', versionAfter: '2', durationMs: 300 });
const failedTarget = (name) => ({
  name, database: name, outcome: 'failed', exitCode: 1, versionBefore: '1', versionAfter: '1', durationMs: 200,
  error: { kind: 'migration_failed', message: 'migration V2__side.sql failed: relation "clash" already exists (SQLSTATE 42P07)' },
});

/** Mocks DescribeTasks and the shard logs; `shards` maps shard index -> { exitCode, targets }. */
function mockShards(shards) {
  const tasks = Object.entries(shards).map(([shard, s]) => ({
    taskArn: taskArn(SHARD_TASK(shard)),
    group: 'strata-staging-fleet',
    stopCode: 'EssentialContainerExited',
    stoppedReason: 'Essential container in task exited',
    stoppedAt: new Date('2026-03-02T10:05:00Z'),
    containers: [{ name: 'strata', exitCode: s.exitCode }],
  }));
  ecsMock.on(DescribeTasksCommand).callsFake(({ cluster, tasks: arns }) => {
    assert.equal(cluster, CLUSTER);
    return { tasks: tasks.filter((t) => arns.includes(t.taskArn)) };
  });
  for (const [shard, s] of Object.entries(shards)) {
    logsMock.on(GetLogEventsCommand, { logStreamName: `migrate/strata/${SHARD_TASK(shard)}` })
      .resolves({ events: [{ message: '{"level":"info","msg":"done"}' }, { message: summary(s.targets) }] });
  }
}
const ran = (shard) => ({ shard, runId: RUN_ID, task: { taskArn: taskArn(SHARD_TASK(shard)) } });
const caught = (shard, cause) => ({ shard, runId: RUN_ID, failure: { Error: 'States.TaskFailed', Cause: JSON.stringify(cause) } });
const aggregatorInput = (shardResults) => ({ runId: RUN_ID, taskDefinitionArn: TD_ARN(8), startedAt: '2026-03-02T10:00:00Z', shardResults });

describe('aggregating a fleet run', () => {
  test('all shards succeeded: one SUCCEEDED record, no e-mail', async () => {
    mockShards({ 1: { exitCode: 0, targets: [ok('t1'), ok('t4')] }, 2: { exitCode: 0, targets: [ok('t2')] }, 3: { exitCode: 0, targets: [] } });
    const { fleetFinished, logLines } = makeFunction({ env: FLEET_ENV, now: () => Date.parse('2026-03-02T10:05:01Z') });
    const result = await fleetFinished(aggregatorInput([ran(3), ran(1), ran(2)]));

    assert.deepEqual(result, { runId: RUN_ID, status: 'SUCCEEDED' });
    assert.equal(table.size, 1, 'one item for the whole fleet run');
    const item = table.get(RUN_ID);
    assert.equal(item.status, 'SUCCEEDED');
    assert.equal(item.exitCode, 0);
    assert.equal(item.durationMs, 301000);
    assert.deepEqual(item.shards.map((s) => [s.shard, s.outcome, s.targets]), [['1/3', 'success', 2], ['2/3', 'success', 1], ['3/3', 'success', 0]]);
    assert.equal(snsMock.commandCalls(PublishCommand).length, 0);
    assert.equal(logLines.filter((l) => l._aws).length, 1, 'one metrics document');
  });

  test('one shard failed: the others are still reported, one FAILED record and one e-mail naming the target', async () => {
    mockShards({ 1: { exitCode: 0, targets: [ok('t1')] }, 2: { exitCode: 1, targets: [ok('t2'), failedTarget('tenant_07')] }, 3: { exitCode: 0, targets: [ok('t3')] } });
    const { start, fleetFinished } = makeFunction({ env: FLEET_ENV });
    await start({ environment: 'staging', imageTag: SHA, commit: SHA });
    const cause = { TaskArn: taskArn(SHARD_TASK(2)), StopCode: 'EssentialContainerExited', Containers: [{ ExitCode: 1 }] };
    const result = await fleetFinished(aggregatorInput([ran(1), caught(2, cause), ran(3)]));

    assert.equal(result.status, 'FAILED');
    assert.equal(result.shardsFailed, 1);
    const item = table.get(RUN_ID);
    assert.equal(item.outcome, 'sql_error');
    assert.equal(item.exitCode, 1);
    assert.deepEqual(item.shards.map((s) => s.outcome), ['success', 'sql_error', 'success']);
    assert.deepEqual(item.shards[1].failedTargets.map((t) => t.name), ['tenant_07']);
    assert.equal(item.automaticAction, 'none');
    const mails = snsMock.commandCalls(PublishCommand);
    assert.equal(mails.length, 1);
    const { Subject, Message } = mails[0].args[0].input;
    assert.equal(Subject, '[strata staging] migrate failed: 1 of 3 shards (sql error)');
    assert.match(Message, /Shards \(1 of 3 failed\):/);
    assert.match(Message, /2\/3 {2}sql_error \(exit 1\)\n {6}tenant_07: migration V2__side\.sql failed/);
    assert.match(Message, new RegExp(`Execution: {2}${EXECUTION}\n`));
    assert.match(Message, new RegExp(`Commit: {5}${SHA}\n`), 'what the starter recorded is kept');
    assert.equal(item.notified, Subject);
  });

  test('a shard whose task never started outranks a failed migration; the failed shard is still listed', async () => {
    mockShards({ 1: { exitCode: 1, targets: [failedTarget('t1')] }, 2: { exitCode: 0, targets: [ok('t2')] } });
    const { fleetFinished } = makeFunction({ env: FLEET_ENV });
    const noTask = { shard: 3, runId: RUN_ID, failure: { Error: 'AmazonECS.Unknown', Cause: 'RESOURCE:ENI capacity' } };
    await fleetFinished(aggregatorInput([caught(1, { TaskArn: taskArn(SHARD_TASK(1)) }), ran(2), noTask]));

    const item = table.get(RUN_ID);
    assert.equal(item.outcome, 'task_never_started');
    assert.equal(item.shardsFailed, 2);
    assert.match(item.error.message, /^shard 3\/3: AmazonECS\.Unknown: RESOURCE:ENI capacity/);
    assert.deepEqual(item.shards.map((s) => s.outcome), ['sql_error', 'success', 'task_never_started']);
  });

  test('a repeated invocation records once and e-mails once', async () => {
    mockShards({ 1: { exitCode: 4, targets: [] }, 2: { exitCode: 0, targets: [] }, 3: { exitCode: 0, targets: [] } });
    const { fleetFinished } = makeFunction({ env: FLEET_ENV });
    const input = aggregatorInput([caught(1, { TaskArn: taskArn(SHARD_TASK(1)) }), ran(2), ran(3)]);
    const first = await fleetFinished(input);
    const second = await fleetFinished(input);

    assert.equal(first.outcome, 'lock_timeout');
    assert.deepEqual(second, { runId: RUN_ID, duplicate: true });
    assert.equal(snsMock.commandCalls(PublishCommand).length, 1);
    assert.equal(table.get(RUN_ID).outcome, 'lock_timeout');
  });

  test('the aggregator refuses to run outside fleet mode', async () => {
    const { fleetFinished } = makeFunction();
    await assert.rejects(fleetFinished(aggregatorInput([ran(1)])), { name: 'ConfigurationError' });
  });
});
