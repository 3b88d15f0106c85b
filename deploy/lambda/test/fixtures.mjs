// Shared fixtures of the Lambda tests: a fake account, the function's environment, ECS
// task definitions and STOPPED events, and an in-memory runs table that evaluates the
// update and condition expressions the function sends (so ordering and duplicates are real).
import { ECSClient } from '@aws-sdk/client-ecs';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';

import { createFleetAggregator, createHandler, createTaskStoppedHandler } from '../index.mjs';

export const ACCOUNT = '000000000000'; // not a real account
export const REGION = 'eu-west-1';
export const FAMILY = 'strata-migrate-staging';
export const CHECK_FAMILY = 'strata-check-staging';
export const CLUSTER = `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/strata-staging`;
export const REPO = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/strata-migrations-staging`;
export const SHA = '0123456789abcdef0123456789abcdef01234567';
export const TABLE = 'strata-runs-staging';
export const TOPIC = `arn:aws:sns:${REGION}:${ACCOUNT}:strata-migrations-staging-alarms`;
export const taskArn = (id) => `arn:aws:ecs:${REGION}:${ACCOUNT}:task/strata-staging/${id}`;
export const TD_ARN = (rev, family = FAMILY) => `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/${family}:${rev}`;

export const ENV = Object.freeze({
  CLUSTER,
  TASK_DEFINITION: FAMILY,
  CHECK_TASK_DEFINITION: CHECK_FAMILY,
  CONTAINER_NAME: 'strata',
  SUBNETS: 'subnet-0aaa, subnet-0bbb',
  SECURITY_GROUPS: 'sg-0ccc',
  ASSIGN_PUBLIC_IP: 'DISABLED',
  REPOSITORY_URI: REPO,
  STRATA_ENVIRONMENT: 'staging',
  AWS_REGION: REGION,
  RUNS_TABLE: TABLE,
  TOPIC_ARN: TOPIC,
  LOG_GROUP: '/strata/staging/migrations',
  LOG_STREAM_PREFIX: 'migrate',
  RETRY_MAX_ATTEMPTS: '3',
  RETRY_BASE_DELAY_SECONDS: '30',
  AUTO_REPAIR: 'true',
});

export const STATE_MACHINE = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:strata-staging-fleet`;
/** The function's environment in fleet mode (context fleetShards=3). */
export const FLEET_ENV = Object.freeze({ ...ENV, FLEET_STATE_MACHINE_ARN: STATE_MACHINE, FLEET_SHARDS: '3' });

export const strataContainer = (image) => ({
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
export const sidecar = { name: 'sidecar', image: 'public.ecr.aws/example/sidecar:1', essential: false };

export const currentTaskDefinition = (family = FAMILY) => ({
  taskDefinitionArn: TD_ARN(7, family),
  family,
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
});

/** An EventBridge "ECS Task State Change" event for a STOPPED task. */
export function stoppedEvent(id, {
  exitCode, stopCode = 'EssentialContainerExited', stoppedReason = 'Essential container in task exited',
  reason, command = ['migrate'], attempt = 1, family = FAMILY, revision = 8,
  startedAt = '2026-03-02T10:00:00.000Z', stoppedAt = '2026-03-02T10:00:42.500Z', eventId = `ev-${id}`,
} = {}) {
  return {
    version: '0',
    id: eventId,
    'detail-type': 'ECS Task State Change',
    source: 'aws.ecs',
    account: ACCOUNT,
    time: stoppedAt,
    region: REGION,
    resources: [taskArn(id)],
    detail: {
      clusterArn: CLUSTER,
      taskArn: taskArn(id),
      taskDefinitionArn: TD_ARN(revision, family),
      group: `family:${family}`,
      lastStatus: 'STOPPED',
      desiredStatus: 'STOPPED',
      startedBy: `strata-staging/attempt-${attempt}`,
      stopCode,
      stoppedReason,
      createdAt: startedAt,
      startedAt: stopCode === 'TaskFailedToStart' ? undefined : startedAt,
      stoppedAt,
      overrides: { containerOverrides: [{ name: 'strata', command }] },
      containers: [{
        name: 'strata', image: `${REPO}:${SHA}`, imageDigest: `sha256:${'cd'.repeat(32)}`, lastStatus: 'STOPPED', exitCode, reason,
      }],
      version: 5,
    },
  };
}

export const ecsMock = mockClient(ECSClient);
export const logsMock = mockClient(CloudWatchLogsClient);
export const snsMock = mockClient(SNSClient);
export const docMock = mockClient(DynamoDBDocumentClient);
export const sfnMock = mockClient(SFNClient);

/** An in-memory runs table answering the function's UpdateItem and GetItem calls. */
export function fakeRunsTable() {
  const items = new Map();
  const apply = ({ Key, UpdateExpression, ExpressionAttributeNames: names, ExpressionAttributeValues: values, ConditionExpression, ReturnValues }) => {
    const current = items.get(Key.runId);
    if (ConditionExpression) {
      const m = /^attribute_not_exists\((\w+)\)$/.exec(ConditionExpression);
      if (!m) throw new Error(`the fake table does not know ${ConditionExpression}`);
      if (current && current[m[1]] !== undefined) {
        throw new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
      }
    }
    const next = { ...(current ?? {}), ...Key };
    for (const clause of UpdateExpression.replace(/^SET /, '').split(/, (?=#)/)) {
      const m = /^(#\w+) = (?:if_not_exists\(\1, (:\w+)\)|(:\w+))$/.exec(clause);
      if (!m) throw new Error(`the fake table does not know ${clause}`);
      const name = names[m[1]];
      if (m[2]) { if (next[name] === undefined) next[name] = values[m[2]]; } else next[name] = values[m[3]];
    }
    items.set(Key.runId, next);
    return ReturnValues === 'ALL_NEW' ? { Attributes: structuredClone(next) } : {};
  };
  docMock.on(UpdateCommand).callsFake((input) => apply(input));
  docMock.on(GetCommand).callsFake(({ Key }) => ({ Item: items.get(Key.runId) }));
  return items;
}

export function resetMocks() {
  for (const mock of [ecsMock, logsMock, snsMock, docMock, sfnMock]) mock.reset();
}

/** Both entry points with fake clients; sleeps and log lines are collected. */
export function makeFunction({ env = ENV, now = () => Date.parse('2026-03-02T10:00:43Z') } = {}) {
  const sleeps = [];
  const logLines = [];
  const deps = {
    env,
    ecs: new ECSClient({ region: REGION }),
    logs: new CloudWatchLogsClient({ region: REGION }),
    dynamodb: new DynamoDBClient({ region: REGION }),
    sns: new SNSClient({ region: REGION }),
    sfn: new SFNClient({ region: REGION }),
    sleep: async (ms) => { sleeps.push(ms); },
    log: (entry) => logLines.push(entry),
    now,
  };
  const start = createHandler(deps);
  const stopped = createTaskStoppedHandler(deps);
  const fleetFinished = createFleetAggregator(deps);
  return {
    start: (event, context = { awsRequestId: 'req-1234' }) => start(event, context),
    stopped,
    fleetFinished,
    sleeps,
    logLines,
  };
}
