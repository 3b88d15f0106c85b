// Starting a run: checks the request, registers a task definition revision with the image
// CI built, starts one Fargate task and records it in the runs table. Returns at once; the
// outcome is recorded by onTaskStopped when ECS reports the task STOPPED.

import { DescribeTaskDefinitionCommand, RegisterTaskDefinitionCommand, RunTaskCommand } from '@aws-sdk/client-ecs';

import { recordStart, runIdOf } from './run-store.mjs';

const ALLOWED_COMMANDS = new Set(['migrate', 'info', 'validate', 'repair']);
const READ_ONLY_COMMANDS = new Set(['info', 'validate']);
const IMAGE_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const IMAGE_DIGEST = /^sha256:[a-f0-9]{64}$/;
const COMMIT = /^[0-9a-f]{7,64}$/;
export const TASK_DEFINITION_ARN = /^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:task-definition\/([A-Za-z0-9_-]{1,255}):\d+$/;

// Fields of a described task definition that RegisterTaskDefinition accepts.
const REGISTERABLE_FIELDS = [
  'family', 'taskRoleArn', 'executionRoleArn', 'networkMode', 'containerDefinitions', 'volumes',
  'placementConstraints', 'requiresCompatibilities', 'cpu', 'memory', 'pidMode', 'ipcMode',
  'proxyConfiguration', 'inferenceAccelerators', 'ephemeralStorage', 'runtimePlatform',
  'enableFaultInjection',
];

export function namedError(name, message) {
  const error = new Error(message);
  error.name = name;
  return error;
}

export function familyOf(taskDefinition) {
  const m = TASK_DEFINITION_ARN.exec(taskDefinition);
  return m ? m[1] : taskDefinition.split(':')[0];
}

function checkOptional(event) {
  if (event.commit !== undefined && (typeof event.commit !== 'string' || !COMMIT.test(event.commit))) {
    throw namedError('InvalidRequest', `commit ${JSON.stringify(event.commit)} is not a commit SHA`);
  }
  if (event.requestedBy !== undefined && (typeof event.requestedBy !== 'string' || event.requestedBy.length > 512)) {
    throw namedError('InvalidRequest', 'requestedBy must be a string of at most 512 characters (the CI job URL)');
  }
  for (const flag of ['readOnly', 'dryRun']) {
    if (event[flag] !== undefined && typeof event[flag] !== 'boolean') {
      throw namedError('InvalidRequest', `${flag} must be true or false`);
    }
  }
}

/** Checks the invocation event; returns what to run. */
export function parseEvent(event, config) {
  if (event === null || typeof event !== 'object') {
    throw namedError('InvalidRequest', 'the event must be a JSON object');
  }
  if (event.environment !== config.environment) {
    throw namedError('InvalidRequest',
      `this function migrates the "${config.environment}" environment; the request was for "${event.environment ?? '(none)'}"`);
  }
  const given = ['imageTag', 'imageDigest', 'taskDefinitionArn'].filter((k) => event[k] !== undefined);
  if (given.length !== 1) {
    throw namedError('InvalidRequest', 'give exactly one of imageTag, imageDigest or taskDefinitionArn');
  }
  const command = event.command ?? 'migrate';
  if (!ALLOWED_COMMANDS.has(command)) {
    throw namedError('InvalidRequest', `command must be one of ${[...ALLOWED_COMMANDS].join(', ')}; got ${JSON.stringify(command)}`);
  }
  checkOptional(event);
  const readOnly = event.readOnly === true;
  const dryRun = event.dryRun === true;
  if (dryRun && command !== 'migrate') throw namedError('InvalidRequest', 'dryRun applies to migrate only');
  if (readOnly && !READ_ONLY_COMMANDS.has(command) && !dryRun) {
    throw namedError('InvalidRequest', `with readOnly the command must be info, validate or migrate with dryRun; got ${command}`);
  }
  if (readOnly && !config.checkTaskDefinition) {
    throw namedError('ConfigurationError', 'this function has no read-only task definition (CHECK_TASK_DEFINITION)');
  }
  const request = {
    command, readOnly, dryRun, commit: event.commit, requestedBy: event.requestedBy,
    family: familyOf(readOnly ? config.checkTaskDefinition : config.taskDefinition),
  };
  if (event.imageTag !== undefined) {
    if (typeof event.imageTag !== 'string' || !IMAGE_TAG.test(event.imageTag)) {
      throw namedError('InvalidRequest', `imageTag ${JSON.stringify(event.imageTag)} is not a valid image tag`);
    }
    return { ...request, image: `${config.repositoryUri}:${event.imageTag}` };
  }
  if (event.imageDigest !== undefined) {
    if (typeof event.imageDigest !== 'string' || !IMAGE_DIGEST.test(event.imageDigest)) {
      throw namedError('InvalidRequest', `imageDigest ${JSON.stringify(event.imageDigest)} is not a sha256 digest`);
    }
    return { ...request, image: `${config.repositoryUri}@${event.imageDigest}` };
  }
  const match = typeof event.taskDefinitionArn === 'string' ? TASK_DEFINITION_ARN.exec(event.taskDefinitionArn) : null;
  if (!match || match[1] !== request.family) {
    throw namedError('InvalidRequest', `taskDefinitionArn must be a revision of the task definition family "${request.family}"`);
  }
  return { ...request, taskDefinitionArn: event.taskDefinitionArn };
}

/** The awslogs stream of the strata container of a task, and a console link to it. */
export function logLocation(config, taskArn) {
  if (!config.logGroup || !config.logStreamPrefix) return { logGroup: config.logGroup };
  const stream = `${config.logStreamPrefix}/${config.containerName}/${runIdOf(taskArn)}`;
  // The console wants the names URI-encoded twice with '%' written as '$'.
  const consoleEncode = (s) => encodeURIComponent(encodeURIComponent(s)).replace(/%/g, '$');
  const url = `https://${config.region}.console.aws.amazon.com/cloudwatch/home?region=${config.region}`
    + `#logsV2:log-groups/log-group/${consoleEncode(config.logGroup)}/log-events/${consoleEncode(stream)}`;
  return { logGroup: config.logGroup, logStream: stream, logUrl: url };
}

export async function registerRevision(ecs, config, request) {
  const described = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: request.family }));
  const current = described.taskDefinition;
  if (!current?.containerDefinitions?.some((c) => c.name === config.containerName)) {
    throw namedError('ConfigurationError', `task definition ${request.family} has no container named "${config.containerName}"`);
  }
  const input = {};
  for (const field of REGISTERABLE_FIELDS) {
    if (current[field] !== undefined) input[field] = current[field];
  }
  input.containerDefinitions = current.containerDefinitions.map((c) => (
    c.name === config.containerName ? { ...c, image: request.image } : c));
  const registered = await ecs.send(new RegisterTaskDefinitionCommand(input));
  return registered.taskDefinition.taskDefinitionArn;
}

/** startedBy carries the attempt so a STOPPED event that overtakes the start record knows it. */
export const startedByOf = (environment, attempt) => `strata-${environment}/attempt-${attempt}`;
export function attemptOf(startedBy) {
  const m = /\/attempt-(\d+)$/.exec(startedBy ?? '');
  return m ? Number(m[1]) : undefined;
}

/**
 * Starts one run. `chain` holds { attempt, firstRunId, retryOf, automatic } for retries and
 * automatic repairs; `clientToken` makes a repeated RunTask start no second task.
 */
export async function startRun({ ecs, doc, log }, config, request, chain = {}, clientToken = undefined) {
  const taskDefinitionArn = request.taskDefinitionArn ?? await registerRevision(ecs, config, request);
  if (!request.taskDefinitionArn) log({ msg: 'registered task definition', taskDefinitionArn, image: request.image });
  const attempt = chain.attempt ?? 1;
  const command = [request.command, ...(request.dryRun ? ['--dry-run'] : [])];
  const run = await ecs.send(new RunTaskCommand({
    cluster: config.cluster,
    taskDefinition: taskDefinitionArn,
    launchType: 'FARGATE',
    count: 1,
    startedBy: startedByOf(config.environment, attempt),
    clientToken,
    networkConfiguration: {
      awsvpcConfiguration: {
        subnets: config.subnets,
        securityGroups: config.securityGroups.length > 0 ? config.securityGroups : undefined,
        assignPublicIp: config.assignPublicIp,
      },
    },
    overrides: { containerOverrides: [{ name: config.containerName, command }] },
  }));
  if ((run.failures?.length ?? 0) > 0 || !run.tasks?.[0]?.taskArn) {
    const reasons = (run.failures ?? [])
      .map((f) => [f.reason, f.detail].filter(Boolean).join(': ') + (f.arn ? ` (${f.arn})` : ''))
      .join('; ') || 'no task was started and ECS gave no reason';
    throw namedError('RunTaskFailed', `could not start the ${request.command} task in ${config.environment}: ${reasons}`);
  }
  const task = run.tasks[0];
  const runId = runIdOf(task.taskArn);
  const where = logLocation(config, task.taskArn);
  const item = {
    taskArn: task.taskArn,
    environment: config.environment,
    command: request.command,
    readOnly: request.readOnly || undefined,
    dryRun: request.dryRun || undefined,
    taskDefinitionArn,
    image: request.image ?? task.containers?.find((c) => c.name === config.containerName)?.image,
    commit: request.commit,
    requestedBy: request.requestedBy,
    startedAt: new Date().toISOString(),
    attempt,
    firstRunId: chain.firstRunId ?? runId,
    retryOf: chain.retryOf,
    automatic: chain.automatic,
    logUrl: where.logUrl,
    logGroup: where.logGroup,
    logStream: where.logStream,
  };
  await recordStart(doc, config.runsTable, runId, item);
  log({ msg: 'task started', runId, ...item });
  return { runId, ...item };
}
