// strata migration runner: starts one Fargate task that runs `strata migrate`
// with the image the pipeline built, waits for it to stop and reports the outcome.
//
// Invoked synchronously by the CI deploy job (deploy/invoke.mjs). The event:
//   { "environment": "staging",          // must equal STRATA_ENVIRONMENT
//     "imageTag": "<commit sha>",         // or "imageDigest": "sha256:...",
//                                         // or "taskDefinitionArn": "...:task-definition/<family>:<rev>"
//     "command": "migrate" }              // optional: migrate | info | validate | repair
// Success returns { status: "SUCCEEDED", exitCode: 0, taskArn, logStream, logGroup, logUrl, ... }.
// Anything else throws, so the invocation fails (FunctionError) and the Lambda
// Errors alarm fires. The error message names what went wrong.
//
// Runs on the nodejs22.x runtime (AWS SDK v3 is provided by the runtime) and on
// Node 20 for the local tests in deploy/lambda/test/.

import {
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
} from '@aws-sdk/client-ecs';
import { CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';

/** strata's exit codes, in words. */
export const EXIT_CODE_MEANINGS = Object.freeze({
  0: 'success',
  1: 'migration or validation failed',
  2: 'configuration error',
  3: 'cannot connect to the database',
  4: 'lock wait timed out',
  130: 'interrupted (SIGINT)',
  143: 'interrupted (SIGTERM)',
});

export function describeExitCode(code) {
  if (code === undefined || code === null) return 'no exit code';
  return EXIT_CODE_MEANINGS[code] ?? (code === 137 ? 'killed (SIGKILL, out of memory or stop timeout)' : 'unexpected exit code');
}

const ALLOWED_COMMANDS = new Set(['migrate', 'info', 'validate', 'repair']);
const IMAGE_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const IMAGE_DIGEST = /^sha256:[a-f0-9]{64}$/;
const TASK_DEFINITION_ARN = /^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:task-definition\/([A-Za-z0-9_-]{1,255}):\d+$/;

// Fields of a described task definition that RegisterTaskDefinition accepts.
const REGISTERABLE_FIELDS = [
  'family', 'taskRoleArn', 'executionRoleArn', 'networkMode', 'containerDefinitions', 'volumes',
  'placementConstraints', 'requiresCompatibilities', 'cpu', 'memory', 'pidMode', 'ipcMode',
  'proxyConfiguration', 'inferenceAccelerators', 'ephemeralStorage', 'runtimePlatform',
  'enableFaultInjection',
];

function namedError(name, message) {
  const error = new Error(message);
  error.name = name;
  return error;
}

/** Reads the function's configuration from its environment variables. */
export function readConfig(env) {
  const missing = ['CLUSTER', 'TASK_DEFINITION', 'CONTAINER_NAME', 'SUBNETS', 'REPOSITORY_URI', 'STRATA_ENVIRONMENT']
    .filter((name) => !env[name]);
  if (missing.length > 0) {
    throw namedError('ConfigurationError', `the migration function is missing environment variables: ${missing.join(', ')}`);
  }
  const list = (value) => (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const assignPublicIp = (env.ASSIGN_PUBLIC_IP ?? 'DISABLED').toUpperCase();
  if (assignPublicIp !== 'ENABLED' && assignPublicIp !== 'DISABLED') {
    throw namedError('ConfigurationError', `ASSIGN_PUBLIC_IP must be ENABLED or DISABLED, not ${env.ASSIGN_PUBLIC_IP}`);
  }
  const number = (value, fallback) => {
    const n = Number(value ?? fallback);
    return Number.isFinite(n) && n >= 0 ? n : fallback;
  };
  return {
    cluster: env.CLUSTER,
    taskDefinition: env.TASK_DEFINITION,
    containerName: env.CONTAINER_NAME,
    subnets: list(env.SUBNETS),
    securityGroups: list(env.SECURITY_GROUPS),
    assignPublicIp,
    repositoryUri: env.REPOSITORY_URI,
    environment: env.STRATA_ENVIRONMENT,
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    pollIntervalMs: number(env.POLL_INTERVAL_MS, 10_000),
    safetyMarginMs: number(env.SAFETY_MARGIN_MS, 30_000),
  };
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
  if (event.imageTag !== undefined) {
    if (typeof event.imageTag !== 'string' || !IMAGE_TAG.test(event.imageTag)) {
      throw namedError('InvalidRequest', `imageTag ${JSON.stringify(event.imageTag)} is not a valid image tag`);
    }
    return { image: `${config.repositoryUri}:${event.imageTag}`, command };
  }
  if (event.imageDigest !== undefined) {
    if (typeof event.imageDigest !== 'string' || !IMAGE_DIGEST.test(event.imageDigest)) {
      throw namedError('InvalidRequest', `imageDigest ${JSON.stringify(event.imageDigest)} is not a sha256 digest`);
    }
    return { image: `${config.repositoryUri}@${event.imageDigest}`, command };
  }
  const match = typeof event.taskDefinitionArn === 'string' ? TASK_DEFINITION_ARN.exec(event.taskDefinitionArn) : null;
  const family = familyOf(config.taskDefinition);
  if (!match || match[1] !== family) {
    throw namedError('InvalidRequest', `taskDefinitionArn must be a revision of the task definition family "${family}"`);
  }
  return { taskDefinitionArn: event.taskDefinitionArn, command };
}

function familyOf(taskDefinition) {
  const m = TASK_DEFINITION_ARN.exec(taskDefinition);
  if (m) return m[1];
  return taskDefinition.split(':')[0];
}

/** The awslogs stream of a container in a task, and a CloudWatch console link to it. */
export function logLocation(containerDefinition, taskArn, fallbackRegion) {
  const log = containerDefinition?.logConfiguration;
  if (!log || log.logDriver !== 'awslogs') return {};
  const group = log.options?.['awslogs-group'];
  const prefix = log.options?.['awslogs-stream-prefix'];
  const region = log.options?.['awslogs-region'] ?? fallbackRegion;
  if (!group || !prefix) return { logGroup: group };
  const taskId = taskArn.split('/').pop();
  const stream = `${prefix}/${containerDefinition.name}/${taskId}`;
  // The console wants the names URI-encoded twice with '%' written as '$'.
  const consoleEncode = (s) => encodeURIComponent(encodeURIComponent(s)).replace(/%/g, '$');
  const url = `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}`
    + `#logsV2:log-groups/log-group/${consoleEncode(group)}/log-events/${consoleEncode(stream)}`;
  return { logGroup: group, logStream: stream, logUrl: url };
}

/** The last JSON log line of level error that strata wrote, if the logs can be read. */
export async function lastErrorLine(logs, logGroup, logStream) {
  if (!logs || !logGroup || !logStream) return undefined;
  try {
    const out = await logs.send(new GetLogEventsCommand({
      logGroupName: logGroup, logStreamName: logStream, startFromHead: false, limit: 100,
    }));
    const events = out.events ?? [];
    for (let i = events.length - 1; i >= 0; i -= 1) {
      let line;
      try { line = JSON.parse(events[i].message); } catch { continue; }
      if (line && (line.level === 'error' || line.level === 'fatal')) return line;
    }
  } catch {
    // Best effort: the outcome does not depend on reading the logs.
  }
  return undefined;
}

function formatErrorLine(line) {
  if (!line) return '';
  const where = [line.migration, line.version !== undefined && line.version !== null ? `version ${line.version}` : undefined]
    .filter(Boolean).join(', ');
  const state = line.sqlstate ? ` [SQLSTATE ${line.sqlstate}]` : '';
  return ` strata said: ${line.msg ?? '(no message)'}${where ? ` (${where})` : ''}${state}.`;
}

const defaultSleep = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });

/**
 * Builds the handler. Everything that touches the outside is injectable so the
 * tests run fast: the ECS and CloudWatch Logs clients, the environment, sleep,
 * and the poll interval.
 */
export function createHandler(deps = {}) {
  return async function handler(event, context) {
    const env = deps.env ?? process.env;
    const config = readConfig(env);
    const ecs = deps.ecs ?? new ECSClient({ region: config.region });
    const logs = deps.logs === undefined ? new CloudWatchLogsClient({ region: config.region }) : deps.logs;
    const sleep = deps.sleep ?? defaultSleep;
    const pollIntervalMs = deps.pollIntervalMs ?? config.pollIntervalMs;
    const log = deps.log ?? ((entry) => console.log(JSON.stringify(entry)));
    const started = Date.now();

    const request = parseEvent(event, config);

    // 1. The task definition to run.
    let taskDefinitionArn = request.taskDefinitionArn;
    let containerDefinition;
    if (taskDefinitionArn) {
      const described = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: taskDefinitionArn }));
      containerDefinition = described.taskDefinition?.containerDefinitions?.find((c) => c.name === config.containerName);
      if (!containerDefinition) {
        throw namedError('ConfigurationError', `task definition ${taskDefinitionArn} has no container named "${config.containerName}"`);
      }
    } else {
      const described = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: config.taskDefinition }));
      const current = described.taskDefinition;
      if (!current?.containerDefinitions?.some((c) => c.name === config.containerName)) {
        throw namedError('ConfigurationError', `task definition ${config.taskDefinition} has no container named "${config.containerName}"`);
      }
      const input = {};
      for (const field of REGISTERABLE_FIELDS) {
        if (current[field] !== undefined) input[field] = current[field];
      }
      input.containerDefinitions = current.containerDefinitions.map((c) => (
        c.name === config.containerName ? { ...c, image: request.image } : c));
      const registered = await ecs.send(new RegisterTaskDefinitionCommand(input));
      taskDefinitionArn = registered.taskDefinition.taskDefinitionArn;
      containerDefinition = registered.taskDefinition.containerDefinitions.find((c) => c.name === config.containerName);
      log({ msg: 'registered task definition', taskDefinitionArn, image: request.image });
    }

    // 2. Start the task.
    const run = await ecs.send(new RunTaskCommand({
      cluster: config.cluster,
      taskDefinition: taskDefinitionArn,
      launchType: 'FARGATE',
      count: 1,
      startedBy: `strata-${config.environment}`.slice(0, 128),
      // Makes a retried RunTask (SDK retry on a network error) start no second task.
      clientToken: context?.awsRequestId,
      networkConfiguration: {
        awsvpcConfiguration: {
          subnets: config.subnets,
          securityGroups: config.securityGroups.length > 0 ? config.securityGroups : undefined,
          assignPublicIp: config.assignPublicIp,
        },
      },
      overrides: request.command === 'migrate' ? undefined
        : { containerOverrides: [{ name: config.containerName, command: [request.command] }] },
    }));
    if ((run.failures?.length ?? 0) > 0 || !run.tasks?.[0]?.taskArn) {
      const reasons = (run.failures ?? [])
        .map((f) => [f.reason, f.detail].filter(Boolean).join(': ') + (f.arn ? ` (${f.arn})` : ''))
        .join('; ') || 'no task was started and ECS gave no reason';
      throw namedError('RunTaskFailed', `could not start the ${request.command} task in ${config.environment}: ${reasons}`);
    }
    const taskArn = run.tasks[0].taskArn;
    const where = logLocation(containerDefinition, taskArn, config.region);
    log({ msg: 'task started', taskArn, ...where });
    const linkText = where.logUrl ? ` Logs: ${where.logUrl}` : '';

    // 3. Wait for STOPPED within the time this invocation has left.
    let task;
    let missing = 0;
    for (;;) {
      const described = await ecs.send(new DescribeTasksCommand({ cluster: config.cluster, tasks: [taskArn] }));
      task = described.tasks?.[0];
      if (task?.lastStatus === 'STOPPED') break;
      if (!task) {
        missing += 1; // DescribeTasks can miss a task for a moment right after RunTask.
        if (missing > 5) {
          throw namedError('TaskLost', `ECS no longer knows task ${taskArn}: ${JSON.stringify(described.failures ?? [])}.${linkText}`);
        }
      }
      const remaining = context?.getRemainingTimeInMillis ? context.getRemainingTimeInMillis() : Infinity;
      if (remaining - config.safetyMarginMs < pollIntervalMs) {
        throw namedError('MigrationTimeout',
          `the ${request.command} task in ${config.environment} was still ${task?.lastStatus ?? 'starting'} when this `
          + `invocation ran out of time; it was left running and its outcome is unknown here. Task: ${taskArn}.${linkText}`);
      }
      await sleep(pollIntervalMs);
    }

    // 4. Read the outcome.
    const container = task.containers?.find((c) => c.name === config.containerName);
    const exitCode = container?.exitCode;
    const result = {
      status: exitCode === 0 ? 'SUCCEEDED' : 'FAILED',
      exitCode: exitCode ?? null,
      taskArn,
      logStream: where.logStream ?? null,
      logGroup: where.logGroup ?? null,
      logUrl: where.logUrl ?? null,
      environment: config.environment,
      command: request.command,
      taskDefinitionArn,
      image: container?.image ?? request.image ?? null,
      stopCode: task.stopCode ?? null,
      stoppedReason: task.stoppedReason ?? null,
      durationMs: Date.now() - started,
    };
    log({ msg: 'task stopped', ...result });
    if (exitCode === 0) return result;

    if (exitCode === undefined || exitCode === null) {
      const reason = [container?.reason, task.stoppedReason].filter(Boolean).join('; ') || 'no reason given';
      throw namedError('TaskStoppedBeforeExit',
        `the ${request.command} task in ${config.environment} stopped before strata ran to completion `
        + `(${task.stopCode ?? 'unknown stop code'}): ${reason}. Task: ${taskArn}.${linkText}`);
    }
    const detail = formatErrorLine(await lastErrorLine(logs, where.logGroup, where.logStream));
    throw namedError('MigrationFailed',
      `strata ${request.command} failed in ${config.environment}: exit code ${exitCode} (${describeExitCode(exitCode)}).${detail} `
      + `Task: ${taskArn}.${linkText}`);
  };
}

export const handler = createHandler();
