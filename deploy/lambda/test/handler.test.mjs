// Unit tests of the migration Lambda with aws-sdk-client-mock (no AWS needed).
import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';

import {
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
} from '@aws-sdk/client-ecs';
import { CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { mockClient } from 'aws-sdk-client-mock';

import {
  EXIT_CODE_MEANINGS, createHandler, describeExitCode, logLocation, parseEvent, readConfig,
} from '../index.mjs';

const ACCOUNT = '000000000000'; // not a real account
const REGION = 'eu-west-1';
const FAMILY = 'strata-migrate-staging';
const CLUSTER = `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/strata-staging`;
const REPO = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/strata-migrations-staging`;
const SHA = '0123456789abcdef0123456789abcdef01234567';
const TASK_ID = '5f0c2b6a9e1d4c7b8a3f2e1d0c9b8a7f';
const TASK_ARN = `arn:aws:ecs:${REGION}:${ACCOUNT}:task/strata-staging/${TASK_ID}`;
const TD_ARN = (rev) => `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/${FAMILY}:${rev}`;

const ENV = {
  CLUSTER,
  TASK_DEFINITION: FAMILY,
  CONTAINER_NAME: 'strata',
  SUBNETS: 'subnet-0aaa, subnet-0bbb',
  SECURITY_GROUPS: 'sg-0ccc',
  ASSIGN_PUBLIC_IP: 'DISABLED',
  REPOSITORY_URI: REPO,
  STRATA_ENVIRONMENT: 'staging',
  AWS_REGION: REGION,
  SAFETY_MARGIN_MS: '30000',
};

const strataContainer = (image) => ({
  name: 'strata',
  image,
  essential: true,
  command: ['migrate'],
  user: '10001:10001',
  environment: [{ name: 'STRATA_LOG_FORMAT', value: 'json' }],
  secrets: [{ name: 'FLYWAY_PASSWORD', valueFrom: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:db-AbCdEf:password::` }],
  logConfiguration: {
    logDriver: 'awslogs',
    options: { 'awslogs-group': '/strata/staging/migrations', 'awslogs-stream-prefix': 'migrate', 'awslogs-region': REGION },
  },
});
const sidecar = { name: 'sidecar', image: 'public.ecr.aws/example/sidecar:1', essential: false };

const currentTaskDefinition = {
  taskDefinitionArn: TD_ARN(7),
  family: FAMILY,
  revision: 7,
  status: 'ACTIVE',
  taskRoleArn: `arn:aws:iam::${ACCOUNT}:role/strata-task`,
  executionRoleArn: `arn:aws:iam::${ACCOUNT}:role/strata-execution`,
  networkMode: 'awsvpc',
  requiresCompatibilities: ['FARGATE'],
  compatibilities: ['EC2', 'FARGATE'],
  requiresAttributes: [{ name: 'com.amazonaws.ecs.capability.logging-driver.awslogs' }],
  cpu: '256',
  memory: '512',
  runtimePlatform: { cpuArchitecture: 'X86_64', operatingSystemFamily: 'LINUX' },
  registeredAt: new Date('2025-01-01T00:00:00Z'),
  registeredBy: `arn:aws:sts::${ACCOUNT}:assumed-role/cdk/x`,
  containerDefinitions: [strataContainer(`${REPO}:bootstrap`), sidecar],
};

const stoppedTask = (container, extra = {}) => ({
  taskArn: TASK_ARN,
  lastStatus: 'STOPPED',
  stopCode: 'EssentialContainerExited',
  stoppedReason: 'Essential container in task exited',
  containers: [{ name: 'strata', image: `${REPO}:${SHA}`, ...container }],
  ...extra,
});
const runningTask = (status = 'RUNNING') => ({ taskArn: TASK_ARN, lastStatus: status, containers: [{ name: 'strata' }] });

const ecsMock = mockClient(ECSClient);
const logsMock = mockClient(CloudWatchLogsClient);

/** A Lambda context whose remaining time shrinks by each sleep. */
function fakeContext(budgetMs = 900_000) {
  const state = { remaining: budgetMs };
  return {
    awsRequestId: 'req-1234',
    getRemainingTimeInMillis: () => state.remaining,
    state,
  };
}

function makeHandler({ context = fakeContext(), pollIntervalMs = 5_000, env = ENV } = {}) {
  const sleeps = [];
  const logLines = [];
  const handler = createHandler({
    env,
    ecs: new ECSClient({ region: REGION }),
    logs: new CloudWatchLogsClient({ region: REGION }),
    pollIntervalMs,
    sleep: async (ms) => {
      sleeps.push(ms);
      context.state.remaining -= ms;
      // A handler that never stops polling fails the test instead of hanging it.
      if (sleeps.length > 1000) throw new Error('runaway poll loop: more than 1000 polls');
      await new Promise(setImmediate);
    },
    log: (entry) => logLines.push(entry),
  });
  return { invoke: (event) => handler(event, context), sleeps, logLines, context };
}

function mockRegistration() {
  ecsMock.on(DescribeTaskDefinitionCommand, { taskDefinition: FAMILY })
    .resolves({ taskDefinition: currentTaskDefinition });
  ecsMock.on(RegisterTaskDefinitionCommand).callsFake((input) => ({
    taskDefinition: { ...input, taskDefinitionArn: TD_ARN(8), revision: 8, status: 'ACTIVE' },
  }));
  ecsMock.on(RunTaskCommand).resolves({ tasks: [{ taskArn: TASK_ARN, lastStatus: 'PROVISIONING' }], failures: [] });
}

const event = { environment: 'staging', imageTag: SHA };

beforeEach(() => {
  ecsMock.reset();
  logsMock.reset();
  logsMock.on(GetLogEventsCommand).resolves({ events: [] });
});

describe('successful migration', () => {
  test('registers a revision with the new image, runs it on Fargate and returns the outcome', async () => {
    mockRegistration();
    ecsMock.on(DescribeTasksCommand)
      .resolvesOnce({ tasks: [runningTask('PENDING')] })
      .resolvesOnce({ tasks: [runningTask('RUNNING')] })
      .resolves({ tasks: [stoppedTask({ exitCode: 0 })] });
    const { invoke, sleeps } = makeHandler();

    const result = await invoke(event);

    assert.equal(result.status, 'SUCCEEDED');
    assert.equal(result.exitCode, 0);
    assert.equal(result.taskArn, TASK_ARN);
    assert.equal(result.logStream, `migrate/strata/${TASK_ID}`);
    assert.equal(result.logGroup, '/strata/staging/migrations');
    assert.equal(result.logUrl,
      `https://${REGION}.console.aws.amazon.com/cloudwatch/home?region=${REGION}#logsV2:log-groups/log-group/`
      + `$252Fstrata$252Fstaging$252Fmigrations/log-events/migrate$252Fstrata$252F${TASK_ID}`);
    assert.equal(result.taskDefinitionArn, TD_ARN(8));
    assert.equal(result.image, `${REPO}:${SHA}`);
    assert.deepEqual(sleeps, [5_000, 5_000], 'polled until STOPPED with the injected interval');

    const [register] = ecsMock.commandCalls(RegisterTaskDefinitionCommand);
    const input = register.args[0].input;
    assert.equal(input.family, FAMILY);
    assert.equal(input.containerDefinitions[0].image, `${REPO}:${SHA}`);
    assert.deepEqual(input.containerDefinitions[0].secrets, currentTaskDefinition.containerDefinitions[0].secrets);
    assert.deepEqual(input.containerDefinitions[1], sidecar, 'other containers are copied unchanged');
    assert.equal(input.executionRoleArn, currentTaskDefinition.executionRoleArn);
    assert.equal(input.taskRoleArn, currentTaskDefinition.taskRoleArn);
    for (const readOnly of ['taskDefinitionArn', 'revision', 'status', 'compatibilities', 'requiresAttributes', 'registeredAt', 'registeredBy']) {
      assert.equal(input[readOnly], undefined, `${readOnly} is not sent to RegisterTaskDefinition`);
    }

    const [run] = ecsMock.commandCalls(RunTaskCommand);
    assert.deepEqual(run.args[0].input, {
      cluster: CLUSTER,
      taskDefinition: TD_ARN(8),
      launchType: 'FARGATE',
      count: 1,
      startedBy: 'strata-staging',
      clientToken: 'req-1234',
      networkConfiguration: {
        awsvpcConfiguration: { subnets: ['subnet-0aaa', 'subnet-0bbb'], securityGroups: ['sg-0ccc'], assignPublicIp: 'DISABLED' },
      },
      overrides: undefined,
    });
    for (const call of ecsMock.commandCalls(DescribeTasksCommand)) {
      assert.deepEqual(call.args[0].input, { cluster: CLUSTER, tasks: [TASK_ARN] });
    }
    assert.equal(logsMock.commandCalls(GetLogEventsCommand).length, 0, 'logs are only read after a failure');
  });

  test('an explicit task definition ARN is run as it is, without registering', async () => {
    ecsMock.on(DescribeTaskDefinitionCommand, { taskDefinition: TD_ARN(5) })
      .resolves({ taskDefinition: { ...currentTaskDefinition, taskDefinitionArn: TD_ARN(5), revision: 5 } });
    ecsMock.on(RunTaskCommand).resolves({ tasks: [{ taskArn: TASK_ARN }] });
    ecsMock.on(DescribeTasksCommand).resolves({ tasks: [stoppedTask({ exitCode: 0 })] });
    const { invoke, sleeps } = makeHandler();

    const result = await invoke({ environment: 'staging', taskDefinitionArn: TD_ARN(5) });

    assert.equal(result.status, 'SUCCEEDED');
    assert.equal(result.taskDefinitionArn, TD_ARN(5));
    assert.equal(ecsMock.commandCalls(RegisterTaskDefinitionCommand).length, 0);
    assert.equal(ecsMock.commandCalls(RunTaskCommand)[0].args[0].input.taskDefinition, TD_ARN(5));
    assert.deepEqual(sleeps, []);
  });

  test('a digest pins the image and another command overrides the container command', async () => {
    mockRegistration();
    ecsMock.on(DescribeTasksCommand).resolves({ tasks: [stoppedTask({ exitCode: 0 })] });
    const digest = `sha256:${'ab'.repeat(32)}`;
    const { invoke } = makeHandler({ env: { ...ENV, ASSIGN_PUBLIC_IP: 'enabled', SECURITY_GROUPS: '' } });

    const result = await invoke({ environment: 'staging', imageDigest: digest, command: 'validate' });

    assert.equal(result.command, 'validate');
    const register = ecsMock.commandCalls(RegisterTaskDefinitionCommand)[0].args[0].input;
    assert.equal(register.containerDefinitions[0].image, `${REPO}@${digest}`);
    const run = ecsMock.commandCalls(RunTaskCommand)[0].args[0].input;
    assert.deepEqual(run.overrides, { containerOverrides: [{ name: 'strata', command: ['validate'] }] });
    assert.equal(run.networkConfiguration.awsvpcConfiguration.assignPublicIp, 'ENABLED');
    assert.equal(run.networkConfiguration.awsvpcConfiguration.securityGroups, undefined);
  });

  test('a task that DescribeTasks does not see yet is waited for', async () => {
    mockRegistration();
    ecsMock.on(DescribeTasksCommand)
      .resolvesOnce({ tasks: [], failures: [{ arn: TASK_ARN, reason: 'MISSING' }] })
      .resolves({ tasks: [stoppedTask({ exitCode: 0 })] });
    const { invoke, sleeps } = makeHandler({ pollIntervalMs: 10 });

    const result = await invoke(event);

    assert.equal(result.status, 'SUCCEEDED');
    assert.deepEqual(sleeps, [10]);
  });
});

describe('failed migration', () => {
  test('exit code 1 throws MigrationFailed naming the error and the failing migration', async () => {
    mockRegistration();
    ecsMock.on(DescribeTasksCommand)
      .resolvesOnce({ tasks: [runningTask()] })
      .resolves({ tasks: [stoppedTask({ exitCode: 1 })] });
    logsMock.on(GetLogEventsCommand, { logGroupName: '/strata/staging/migrations', logStreamName: `migrate/strata/${TASK_ID}` })
      .resolves({
        events: [
          { message: '{"ts":"2025-01-01T00:00:00Z","level":"info","msg":"migrating","migration":"V3__orders.sql","version":"3"}' },
          { message: '{"ts":"2025-01-01T00:00:01Z","level":"error","msg":"relation \\"orders\\" already exists","migration":"V3__orders.sql","version":"3","sqlstate":"42P07"}' },
          { message: 'not json' },
          { message: '{"ts":"2025-01-01T00:00:01Z","level":"info","msg":"done"}' },
        ],
      });
    const { invoke } = makeHandler();

    await assert.rejects(invoke(event), (error) => {
      assert.equal(error.name, 'MigrationFailed');
      assert.match(error.message, /strata migrate failed in staging: exit code 1 \(migration or validation failed\)/);
      assert.match(error.message, /strata said: relation "orders" already exists \(V3__orders\.sql, version 3\) \[SQLSTATE 42P07\]/);
      assert.ok(error.message.includes(TASK_ARN), 'names the task');
      assert.ok(error.message.includes('#logsV2:log-groups/log-group/$252Fstrata$252Fstaging$252Fmigrations'), 'links the logs');
      return true;
    });
    assert.equal(logsMock.commandCalls(GetLogEventsCommand).length, 1);
  });

  test('exit code 4 throws MigrationFailed saying the lock wait timed out', async () => {
    mockRegistration();
    ecsMock.on(DescribeTasksCommand).resolves({ tasks: [stoppedTask({ exitCode: 4 })] });
    logsMock.on(GetLogEventsCommand).rejects(new Error('AccessDeniedException'));
    const { invoke } = makeHandler();

    await assert.rejects(invoke(event), (error) => {
      assert.equal(error.name, 'MigrationFailed');
      assert.match(error.message, /exit code 4 \(lock wait timed out\)/);
      assert.doesNotMatch(error.message, /strata said/, 'unreadable logs leave the message without a detail');
      return true;
    });
  });

  for (const [code, words] of [[2, 'configuration error'], [3, 'cannot connect to the database'],
    [130, 'interrupted (SIGINT)'], [143, 'interrupted (SIGTERM)']]) {
    test(`exit code ${code} is reported as "${words}"`, async () => {
      mockRegistration();
      ecsMock.on(DescribeTasksCommand).resolves({ tasks: [stoppedTask({ exitCode: code })] });
      const { invoke } = makeHandler();
      await assert.rejects(invoke(event), (error) => {
        assert.equal(error.name, 'MigrationFailed');
        assert.ok(error.message.includes(`exit code ${code} (${words})`), error.message);
        return true;
      });
    });
  }

  test('RunTask failures throw RunTaskFailed and nothing is waited for', async () => {
    mockRegistration();
    ecsMock.on(RunTaskCommand).resolves({
      tasks: [],
      failures: [{ arn: CLUSTER, reason: 'RESOURCE:ENI', detail: 'no free IP address in subnet-0aaa' }],
    });
    const { invoke, sleeps } = makeHandler();

    await assert.rejects(invoke(event), (error) => {
      assert.equal(error.name, 'RunTaskFailed');
      assert.match(error.message, /could not start the migrate task in staging: RESOURCE:ENI: no free IP address in subnet-0aaa/);
      return true;
    });
    assert.equal(ecsMock.commandCalls(DescribeTasksCommand).length, 0);
    assert.deepEqual(sleeps, []);
  });

  test('a task stopped by ECS before strata ran (CannotPullContainerError) throws TaskStoppedBeforeExit', async () => {
    mockRegistration();
    ecsMock.on(DescribeTasksCommand)
      .resolvesOnce({ tasks: [runningTask('PROVISIONING')] })
      .resolves({
        tasks: [stoppedTask(
          { reason: `CannotPullContainerError: pull image manifest has been retried 5 time(s): ${REPO}:${SHA}: not found` },
          { stopCode: 'TaskFailedToStart', stoppedReason: 'Task failed to start' },
        )],
      });
    const { invoke } = makeHandler();

    await assert.rejects(invoke(event), (error) => {
      assert.equal(error.name, 'TaskStoppedBeforeExit');
      assert.match(error.message, /stopped before strata ran to completion \(TaskFailedToStart\)/);
      assert.match(error.message, /CannotPullContainerError/);
      assert.ok(error.message.includes(TASK_ARN));
      return true;
    });
    assert.equal(logsMock.commandCalls(GetLogEventsCommand).length, 0);
  });

  test('a task still running when the time budget ends throws MigrationTimeout and is left running', async () => {
    mockRegistration();
    ecsMock.on(DescribeTasksCommand).resolves({ tasks: [runningTask('RUNNING')] });
    // 60 s budget, 30 s safety margin, 10 s polls: polls at 60, 50, 40 s left; gives up at 30 s.
    const { invoke, sleeps } = makeHandler({ context: fakeContext(60_000), pollIntervalMs: 10_000 });

    await assert.rejects(invoke(event), (error) => {
      assert.equal(error.name, 'MigrationTimeout');
      assert.match(error.message, /still RUNNING when this invocation ran out of time/);
      assert.ok(error.message.includes(TASK_ARN));
      assert.ok(error.message.includes('Logs: https://'));
      return true;
    });
    assert.deepEqual(sleeps, [10_000, 10_000, 10_000]);
    assert.equal(ecsMock.commandCalls(DescribeTasksCommand).length, 4);
  });

  test('a task ECS keeps reporting as missing throws TaskLost', async () => {
    mockRegistration();
    ecsMock.on(DescribeTasksCommand).resolves({ tasks: [], failures: [{ arn: TASK_ARN, reason: 'MISSING' }] });
    const { invoke, sleeps } = makeHandler({ pollIntervalMs: 1 });
    await assert.rejects(invoke(event), { name: 'TaskLost' });
    assert.equal(sleeps.length, 5);
  });
});

describe('request and configuration checks', () => {
  const config = readConfig(ENV);

  test('the requested environment must be the function\'s own', async () => {
    const { invoke } = makeHandler();
    await assert.rejects(invoke({ environment: 'prod', imageTag: SHA }), {
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
    ];
    for (const request of refused) {
      assert.throws(() => parseEvent(request, config), { name: 'InvalidRequest' }, JSON.stringify(request));
    }
    assert.deepEqual(parseEvent(event, config), { image: `${REPO}:${SHA}`, command: 'migrate' });
  });

  test('missing environment variables are a ConfigurationError', () => {
    assert.throws(() => readConfig({ ...ENV, CLUSTER: '', SUBNETS: undefined }),
      { name: 'ConfigurationError', message: /CLUSTER, SUBNETS/ });
    assert.throws(() => readConfig({ ...ENV, ASSIGN_PUBLIC_IP: 'yes' }), { name: 'ConfigurationError' });
  });

  test('a task definition without the strata container is a ConfigurationError', async () => {
    ecsMock.on(DescribeTaskDefinitionCommand).resolves({
      taskDefinition: { ...currentTaskDefinition, containerDefinitions: [sidecar] },
    });
    const { invoke } = makeHandler();
    await assert.rejects(invoke(event), { name: 'ConfigurationError', message: /no container named "strata"/ });
    assert.equal(ecsMock.commandCalls(RunTaskCommand).length, 0);
  });

  test('exit codes map to words', () => {
    assert.deepEqual(Object.keys(EXIT_CODE_MEANINGS).map(Number), [0, 1, 2, 3, 4, 130, 143]);
    assert.equal(describeExitCode(1), 'migration or validation failed');
    assert.equal(describeExitCode(4), 'lock wait timed out');
    assert.match(describeExitCode(137), /SIGKILL/);
    assert.equal(describeExitCode(99), 'unexpected exit code');
    assert.equal(describeExitCode(undefined), 'no exit code');
  });

  test('no log link without the awslogs driver', () => {
    assert.deepEqual(logLocation({ name: 'strata', logConfiguration: { logDriver: 'json-file' } }, TASK_ARN, REGION), {});
    assert.deepEqual(logLocation({ name: 'strata' }, TASK_ARN, REGION), {});
  });
});
