// strata migration runner, two entry points in one function package:
//
// handler (invoked by CI, deploy/invoke.mjs): starts one Fargate task running strata with the
//   image the pipeline built, records the run in the runs table and returns at once with
//   { status: "STARTED", runId, taskArn, runsTable, logUrl, ... }. The event:
//   { "environment": "staging",           // must equal STRATA_ENVIRONMENT
//     "imageTag": "<commit sha>",          // or "imageDigest": "sha256:...",
//                                          // or "taskDefinitionArn": "...:task-definition/<family>:<rev>"
//     "command": "migrate",                // optional: migrate | info | validate | repair
//     "readOnly": false, "dryRun": false,  // optional: the read-only task definition; migrate --dry-run
//     "commit": "<sha>", "requestedBy": "<CI job URL>" }   // optional, recorded
// onTaskStopped (EventBridge rule on "ECS Task State Change", lastStatus STOPPED): records the
//   outcome once, e-mails a failure to the SNS topic, retries transient failures per the
//   environment's policy, repairs where allowed, and logs the run's metrics (EMF).
// onFleetFinished (the last step of the fleet state machine, fleet mode only): records the
//   outcome of a run split over shard tasks once and e-mails a failure (fleet.mjs).
//
// Runs on nodejs22.x (AWS SDK v3 is provided by the runtime) and on Node 20 for the tests.

import { ECSClient } from '@aws-sdk/client-ecs';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { SFNClient } from '@aws-sdk/client-sfn';

import { aggregateFleetRun, fleetGroupOf, runsAsFleet, startFleetRun } from './fleet.mjs';

import { metricsDocument, publishFailure } from './notify.mjs';
import { appliedMigrations, classify, lastLogMessages, readStrataOutput } from './outcome.mjs';
import { decide, readPolicy } from './policy.mjs';
import { recordFollowUp, recordOutcome, runIdOf } from './run-store.mjs';
import { attemptOf, familyOf, logLocation, namedError, parseEvent, startRun } from './start.mjs';

export { EXIT_CODE_MEANINGS, describeExitCode } from './outcome.mjs';
export { logLocation, parseEvent } from './start.mjs';

/** Reads the function's configuration from its environment variables. */
export function readConfig(env) {
  const missing = ['CLUSTER', 'TASK_DEFINITION', 'CONTAINER_NAME', 'SUBNETS', 'REPOSITORY_URI', 'STRATA_ENVIRONMENT', 'RUNS_TABLE']
    .filter((name) => !env[name]);
  if (missing.length > 0) {
    throw namedError('ConfigurationError', `the migration function is missing environment variables: ${missing.join(', ')}`);
  }
  const list = (value) => (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const assignPublicIp = (env.ASSIGN_PUBLIC_IP ?? 'DISABLED').toUpperCase();
  if (assignPublicIp !== 'ENABLED' && assignPublicIp !== 'DISABLED') {
    throw namedError('ConfigurationError', `ASSIGN_PUBLIC_IP must be ENABLED or DISABLED, not ${env.ASSIGN_PUBLIC_IP}`);
  }
  // Fleet mode: FLEET_SHARDS on both fleet functions; the state machine's ARN on the starter only
  // (the aggregator is a step of that state machine and cannot name it without a cycle).
  const fleetShards = Number(env.FLEET_SHARDS);
  if (env.FLEET_SHARDS && !(Number.isInteger(fleetShards) && fleetShards > 0)) {
    throw namedError('ConfigurationError', `FLEET_SHARDS must be a positive integer, not ${env.FLEET_SHARDS}`);
  }
  return {
    fleet: env.FLEET_SHARDS ? { shards: fleetShards, stateMachineArn: env.FLEET_STATE_MACHINE_ARN || undefined } : undefined,
    cluster: env.CLUSTER,
    taskDefinition: env.TASK_DEFINITION,
    checkTaskDefinition: env.CHECK_TASK_DEFINITION || undefined,
    containerName: env.CONTAINER_NAME,
    subnets: list(env.SUBNETS),
    securityGroups: list(env.SECURITY_GROUPS),
    assignPublicIp,
    repositoryUri: env.REPOSITORY_URI,
    environment: env.STRATA_ENVIRONMENT,
    runsTable: env.RUNS_TABLE,
    topicArn: env.TOPIC_ARN || undefined,
    logGroup: env.LOG_GROUP || undefined,
    logStreamPrefix: env.LOG_STREAM_PREFIX || undefined,
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    policy: readPolicy(env),
  };
}

const defaultSleep = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });

function clients(deps, config) {
  return {
    ecs: deps.ecs ?? new ECSClient({ region: config.region }),
    logs: deps.logs ?? new CloudWatchLogsClient({ region: config.region }),
    doc: DynamoDBDocumentClient.from(deps.dynamodb ?? new DynamoDBClient({ region: config.region }),
      { marshallOptions: { removeUndefinedValues: true } }),
    sns: deps.sns ?? new SNSClient({ region: config.region }),
    sfn: deps.sfn ?? new SFNClient({ region: config.region }),
    sleep: deps.sleep ?? defaultSleep,
    // Raw JSON lines (console.log would prefix time, request id and level): CloudWatch reads
    // the metrics document only when the line is the JSON object itself.
    log: deps.log ?? ((entry) => { process.stdout.write(`${JSON.stringify(entry)}\n`); }),
    now: deps.now ?? (() => Date.now()),
  };
}

/** The starter. Everything that touches the outside is injectable for the tests. */
export function createHandler(deps = {}) {
  return async function handler(event, context) {
    const config = readConfig(deps.env ?? process.env);
    const io = clients(deps, config);
    const request = parseEvent(event, config);
    const run = runsAsFleet(config, request)
      ? await startFleetRun(io, config, request, context?.awsRequestId)
      : await startRun(io, config, request, {}, context?.awsRequestId);
    return { status: 'STARTED', runsTable: config.runsTable, ...run };
  };
}

/** What the STOPPED task was asked to do, from its runs-table item or else from the event. */
function requestOfTask(detail, config) {
  const override = detail.overrides?.containerOverrides?.find((c) => c.name === config.containerName)?.command ?? [];
  const checkFamily = config.checkTaskDefinition ? familyOf(config.checkTaskDefinition) : undefined;
  return {
    command: override[0] ?? 'migrate',
    dryRun: override.includes('--dry-run') || undefined,
    readOnly: (checkFamily && detail.group === `family:${checkFamily}`) || undefined,
    attempt: attemptOf(detail.startedBy) ?? 1,
  };
}

function outcomeFields(detail, config, outcome, document) {
  const container = detail.containers?.find((c) => c.name === config.containerName);
  const start = detail.startedAt ?? detail.createdAt;
  const durationMs = start && detail.stoppedAt ? Date.parse(detail.stoppedAt) - Date.parse(start) : undefined;
  const migrations = outcome.kind === 'success' ? appliedMigrations(document) : undefined;
  const requested = requestOfTask(detail, config);
  return {
    taskArn: detail.taskArn,
    environment: config.environment,
    command: requested.command,
    readOnly: requested.readOnly,
    dryRun: requested.dryRun,
    taskDefinitionArn: detail.taskDefinitionArn,
    attempt: requested.attempt,
    firstRunId: runIdOf(detail.taskArn),
    startedAt: start ?? detail.stoppedAt,
    status: outcome.kind === 'success' ? 'SUCCEEDED' : 'FAILED',
    outcome: outcome.kind,
    transient: outcome.transient,
    exitCode: outcome.exitCode,
    exitWords: outcome.words,
    // Until the recorder has applied the policy, a waiting CI job must not take FAILED as final.
    followUpPending: outcome.kind === 'success' ? undefined : true,
    finishedAt: detail.stoppedAt ?? new Date().toISOString(),
    durationMs: Number.isFinite(durationMs) ? durationMs : undefined,
    stopCode: detail.stopCode,
    stoppedReason: [container?.reason, detail.stoppedReason].filter(Boolean).join('; ') || undefined,
    imageDigest: container?.imageDigest,
    versionBefore: document?.initialSchemaVersion ?? undefined,
    versionAfter: document?.targetSchemaVersion ?? undefined,
    migrationsExecuted: document?.migrationsExecuted ?? migrations?.length,
    migrations: migrations?.length ? migrations : undefined,
    warnings: document?.warnings?.length ? document.warnings.slice(0, 20) : undefined,
    error: outcome.error,
    ...logLocation(config, detail.taskArn),
  };
}

/** Starts the follow-up run the policy asked for, after its backoff. */
async function followUp(io, config, run, decision) {
  if (decision.action === 'none') return undefined;
  await io.sleep(decision.delaySeconds * 1000);
  const request = {
    command: decision.action === 'repair' ? 'repair' : run.command,
    readOnly: run.readOnly === true,
    dryRun: decision.action === 'retry' && run.dryRun === true,
    commit: run.commit,
    requestedBy: run.requestedBy,
    taskDefinitionArn: run.taskDefinitionArn,
  };
  const chain = {
    attempt: decision.action === 'retry' ? (run.attempt ?? 1) + 1 : 1,
    firstRunId: run.firstRunId ?? run.runId,
    retryOf: run.runId,
    automatic: decision.action,
  };
  // One token per stopped run: a second delivery of its event cannot start a second task.
  const next = await startRun(io, config, request, chain, `${run.runId}-${decision.action}`);
  return next.runId;
}

/** The EventBridge target. Returns what it did (for the tests and the function's log). */
export function createTaskStoppedHandler(deps = {}) {
  return async function onTaskStopped(event) {
    const config = readConfig(deps.env ?? process.env);
    const io = clients(deps, config);
    const detail = event?.detail;
    if (event?.['detail-type'] !== 'ECS Task State Change' || detail?.lastStatus !== 'STOPPED' || !detail.taskArn) {
      io.log({ msg: 'ignored event: not an ECS task STOPPED change', id: event?.id });
      return { ignored: true };
    }
    if (detail.group === fleetGroupOf(config.environment)) {
      // A shard of a fleet run: the fleet state machine records the run as a whole.
      io.log({ msg: 'ignored event: shard task of a fleet run', taskArn: detail.taskArn });
      return { ignored: true, fleetShard: true };
    }
    const runId = runIdOf(detail.taskArn);
    const where = logLocation(config, detail.taskArn);
    const exitCode = detail.containers?.find((c) => c.name === config.containerName)?.exitCode;
    const messages = exitCode === undefined || exitCode === null ? [] : await lastLogMessages(io.logs, where, io.log);
    const { document, errorLine } = readStrataOutput(messages);
    const outcome = classify({ exitCode, stopCode: detail.stopCode, document, errorLine });
    const fields = outcomeFields(detail, config, outcome, document);
    const run = await recordOutcome(io.doc, config.runsTable, runId, fields);
    if (!run) {
      io.log({ msg: 'outcome already recorded: duplicate delivery ignored', runId, eventId: event.id });
      return { runId, duplicate: true };
    }
    io.log(metricsDocument(run, io.now()));
    if (run.status === 'SUCCEEDED') return { runId, status: run.status };

    const decision = decide(config.policy, run, outcome);
    await recordFollowUp(io.doc, config.runsTable, runId, {
      automaticAction: decision.action, automaticReason: decision.reason,
    });
    let nextRunId;
    try {
      nextRunId = await followUp(io, config, run, decision);
    } catch (error) {
      decision.reason += `; starting it failed: ${error.message}`;
      decision.action = 'none';
    }
    let subject;
    try {
      if (config.topicArn) subject = await publishFailure(io.sns, config.topicArn, run, { ...decision, nextRunId });
    } catch (error) {
      // The metric-filter alarm stays the backstop; the run's record must still be completed.
      io.log({ msg: 'could not publish the failure e-mail', runId, error: error.message });
    }
    await recordFollowUp(io.doc, config.runsTable, runId, {
      automaticAction: decision.action, automaticReason: decision.reason, nextRunId,
      followUpPending: false, notified: subject,
    });
    io.log({ msg: 'run failed', runId, outcome: run.outcome, action: decision.action, nextRunId });
    return { runId, status: run.status, outcome: run.outcome, action: decision.action, nextRunId, notified: subject };
  };
}

/** The fleet state machine's aggregator step. */
export function createFleetAggregator(deps = {}) {
  return async function onFleetFinished(event) {
    const config = readConfig(deps.env ?? process.env);
    if (!config.fleet) throw namedError('ConfigurationError', 'this function is not configured for fleet runs (FLEET_SHARDS)');
    return aggregateFleetRun(clients(deps, config), config, event, { metricsDocument, publishFailure });
  };
}

export const handler = createHandler();
export const onTaskStopped = createTaskStoppedHandler();
export const onFleetFinished = createFleetAggregator();
