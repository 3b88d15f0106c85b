// The starter (handler): starts the task, records the run and returns at once.
import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';

import {
  DescribeTaskDefinitionCommand, DescribeTasksCommand, RegisterTaskDefinitionCommand, RunTaskCommand,
} from '@aws-sdk/client-ecs';

import { logLocation, parseEvent, readConfig } from '../index.mjs';
import {
  ACCOUNT, CHECK_FAMILY, CLUSTER, ENV, FAMILY, REGION, REPO, SHA, TABLE, TD_ARN,
  currentTaskDefinition, ecsMock, fakeRunsTable, makeFunction, resetMocks, sidecar, taskArn,
} from './fixtures.mjs';

const TASK_ID = '5f0c2b6a9e1d4c7b8a3f2e1d0c9b8a7f';
const event = { environment: 'staging', imageTag: SHA };
let table;

function mockRegistration(family = FAMILY) {
  ecsMock.on(DescribeTaskDefinitionCommand, { taskDefinition: family })
    .resolves({ taskDefinition: currentTaskDefinition(family) });
  ecsMock.on(RegisterTaskDefinitionCommand).callsFake((input) => ({
    taskDefinition: { ...input, taskDefinitionArn: TD_ARN(8, input.family), revision: 8, status: 'ACTIVE' },
  }));
  ecsMock.on(RunTaskCommand).resolves({ tasks: [{ taskArn: taskArn(TASK_ID), lastStatus: 'PROVISIONING' }], failures: [] });
}

beforeEach(() => {
  resetMocks();
  table = fakeRunsTable();
});

describe('starting a run', () => {
  test('registers a revision with the new image, starts it on Fargate, records the run and returns at once', async () => {
    mockRegistration();
    const { start } = makeFunction();

    const result = await start({ ...event, commit: SHA, requestedBy: 'https://gitlab.example.com/g/p/-/jobs/42' });

    assert.equal(result.status, 'STARTED');
    assert.equal(result.runId, TASK_ID);
    assert.equal(result.runsTable, TABLE);
    assert.equal(result.taskArn, taskArn(TASK_ID));
    assert.equal(result.logStream, `migrate/strata/${TASK_ID}`);
    assert.equal(result.logUrl,
      `https://${REGION}.console.aws.amazon.com/cloudwatch/home?region=${REGION}#logsV2:log-groups/log-group/`
      + `$252Fstrata$252Fstaging$252Fmigrations/log-events/migrate$252Fstrata$252F${TASK_ID}`);
    assert.equal(ecsMock.commandCalls(DescribeTasksCommand).length, 0, 'the starter does not wait for the task');

    const input = ecsMock.commandCalls(RegisterTaskDefinitionCommand)[0].args[0].input;
    assert.equal(input.family, FAMILY);
    assert.equal(input.containerDefinitions[0].image, `${REPO}:${SHA}`);
    assert.deepEqual(input.containerDefinitions[1], sidecar, 'other containers are copied unchanged');
    for (const readOnly of ['taskDefinitionArn', 'revision', 'status', 'compatibilities', 'requiresAttributes', 'registeredAt', 'registeredBy']) {
      assert.equal(input[readOnly], undefined, `${readOnly} is not sent to RegisterTaskDefinition`);
    }
    assert.deepEqual(ecsMock.commandCalls(RunTaskCommand)[0].args[0].input, {
      cluster: CLUSTER,
      taskDefinition: TD_ARN(8),
      launchType: 'FARGATE',
      count: 1,
      startedBy: 'strata-staging/attempt-1',
      clientToken: 'req-1234',
      networkConfiguration: {
        awsvpcConfiguration: { subnets: ['subnet-0aaa', 'subnet-0bbb'], securityGroups: ['sg-0ccc'], assignPublicIp: 'DISABLED' },
      },
      overrides: { containerOverrides: [{ name: 'strata', command: ['migrate'] }] },
    });

    const item = table.get(TASK_ID);
    assert.equal(item.status, 'RUNNING');
    assert.equal(item.environment, 'staging');
    assert.equal(item.command, 'migrate');
    assert.equal(item.image, `${REPO}:${SHA}`);
    assert.equal(item.commit, SHA);
    assert.equal(item.requestedBy, 'https://gitlab.example.com/g/p/-/jobs/42');
    assert.equal(item.attempt, 1);
    assert.equal(item.firstRunId, TASK_ID);
    assert.match(item.startedAt, /^\d{4}-\d\d-\d\dT/);
  });

  test('an explicit task definition ARN is run as it is, without registering', async () => {
    ecsMock.on(RunTaskCommand).resolves({ tasks: [{ taskArn: taskArn(TASK_ID) }] });
    const { start } = makeFunction();

    const result = await start({ environment: 'staging', taskDefinitionArn: TD_ARN(5) });

    assert.equal(result.taskDefinitionArn, TD_ARN(5));
    assert.equal(ecsMock.commandCalls(RegisterTaskDefinitionCommand).length, 0);
    assert.equal(ecsMock.commandCalls(RunTaskCommand)[0].args[0].input.taskDefinition, TD_ARN(5));
  });

  test('a digest pins the image and another command overrides the container command', async () => {
    mockRegistration();
    const { start } = makeFunction({ env: { ...ENV, ASSIGN_PUBLIC_IP: 'enabled', SECURITY_GROUPS: '' } });

    const result = await start({ environment: 'staging', imageDigest: `sha256:${'ab'.repeat(32)}`, command: 'validate' });

    assert.equal(result.command, 'validate');
    const register = ecsMock.commandCalls(RegisterTaskDefinitionCommand)[0].args[0].input;
    assert.equal(register.containerDefinitions[0].image, `${REPO}@sha256:${'ab'.repeat(32)}`);
    const run = ecsMock.commandCalls(RunTaskCommand)[0].args[0].input;
    assert.deepEqual(run.overrides, { containerOverrides: [{ name: 'strata', command: ['validate'] }] });
    assert.equal(run.networkConfiguration.awsvpcConfiguration.assignPublicIp, 'ENABLED');
    assert.equal(run.networkConfiguration.awsvpcConfiguration.securityGroups, undefined);
  });

  test('readOnly runs the read-only task definition; dryRun adds --dry-run to migrate', async () => {
    mockRegistration(CHECK_FAMILY);
    const { start } = makeFunction();

    const result = await start({ ...event, command: 'migrate', dryRun: true, readOnly: true });

    assert.equal(ecsMock.commandCalls(RegisterTaskDefinitionCommand)[0].args[0].input.family, CHECK_FAMILY);
    const run = ecsMock.commandCalls(RunTaskCommand)[0].args[0].input;
    assert.equal(run.taskDefinition, TD_ARN(8, CHECK_FAMILY));
    assert.deepEqual(run.overrides.containerOverrides[0].command, ['migrate', '--dry-run']);
    assert.equal(table.get(result.runId).readOnly, true);
    assert.equal(table.get(result.runId).dryRun, true);
  });

  test('RunTask failures throw RunTaskFailed and nothing is recorded', async () => {
    mockRegistration();
    ecsMock.on(RunTaskCommand).resolves({
      tasks: [],
      failures: [{ arn: CLUSTER, reason: 'RESOURCE:ENI', detail: 'no free IP address in subnet-0aaa' }],
    });
    const { start } = makeFunction();

    await assert.rejects(start(event), {
      name: 'RunTaskFailed', message: /could not start the migrate task in staging: RESOURCE:ENI: no free IP address in subnet-0aaa/,
    });
    assert.equal(table.size, 0);
  });
});

describe('request and configuration checks', () => {
  const config = readConfig(ENV);

  test('the requested environment must be the function\'s own', async () => {
    const { start } = makeFunction();
    await assert.rejects(start({ environment: 'prod', imageTag: SHA }), {
      name: 'InvalidRequest', message: /migrates the "staging" environment; the request was for "prod"/,
    });
    assert.equal(ecsMock.calls().length, 0, 'no ECS call for a refused request');
  });

  test('bad requests are refused', () => {
    const refused = [
      null,
      { environment: 'staging' },
      { environment: 'staging', imageTag: SHA, imageDigest: `sha256:${'0'.repeat(64)}` },
      { environment: 'staging', imageTag: 'has space' },
      { environment: 'staging', imageTag: '-leading-dash' },
      { environment: 'staging', imageDigest: 'sha256:short' },
      { environment: 'staging', imageTag: SHA, command: 'clean' },
      { environment: 'staging', imageTag: SHA, command: ['migrate', '-target=1'] },
      { environment: 'staging', taskDefinitionArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/other-family:3` },
      { environment: 'staging', taskDefinitionArn: 'strata-migrate-staging:3' },
      { environment: 'staging', imageTag: SHA, readOnly: true },
      { environment: 'staging', imageTag: SHA, readOnly: true, command: 'repair' },
      { environment: 'staging', imageTag: SHA, command: 'validate', dryRun: true },
      { environment: 'staging', imageTag: SHA, readOnly: 'yes', command: 'validate' },
      { environment: 'staging', imageTag: SHA, commit: 'not a sha' },
      { environment: 'staging', taskDefinitionArn: TD_ARN(3), readOnly: true, command: 'validate' },
    ];
    for (const request of refused) {
      assert.throws(() => parseEvent(request, config), { name: 'InvalidRequest' }, JSON.stringify(request));
    }
    assert.deepEqual(parseEvent(event, config), {
      image: `${REPO}:${SHA}`, command: 'migrate', readOnly: false, dryRun: false, commit: undefined, requestedBy: undefined, family: FAMILY,
    });
  });

  test('readOnly without a read-only task definition is a ConfigurationError', () => {
    const without = readConfig({ ...ENV, CHECK_TASK_DEFINITION: '' });
    assert.throws(() => parseEvent({ ...event, command: 'validate', readOnly: true }, without), { name: 'ConfigurationError' });
  });

  test('missing environment variables are a ConfigurationError', () => {
    assert.throws(() => readConfig({ ...ENV, CLUSTER: '', SUBNETS: undefined, RUNS_TABLE: '' }),
      { name: 'ConfigurationError', message: /CLUSTER, SUBNETS, RUNS_TABLE/ });
    assert.throws(() => readConfig({ ...ENV, ASSIGN_PUBLIC_IP: 'yes' }), { name: 'ConfigurationError' });
  });

  test('a task definition without the strata container is a ConfigurationError', async () => {
    ecsMock.on(DescribeTaskDefinitionCommand).resolves({
      taskDefinition: { ...currentTaskDefinition(), containerDefinitions: [sidecar] },
    });
    const { start } = makeFunction();
    await assert.rejects(start(event), { name: 'ConfigurationError', message: /no container named "strata"/ });
    assert.equal(ecsMock.commandCalls(RunTaskCommand).length, 0);
  });

  test('no log link without the log group settings', () => {
    assert.deepEqual(logLocation({ ...config, logGroup: undefined, logStreamPrefix: undefined }, taskArn(TASK_ID)), { logGroup: undefined });
  });
});
