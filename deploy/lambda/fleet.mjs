// Fleet mode: one run of `strata migrate -e FLEET` split over N ECS tasks (`--shard I/N`) by a
// Step Functions state machine (infra/lib/fleet.mjs). The starter starts the state machine
// instead of one task; when every shard has stopped, the state machine calls the aggregator,
// which records ONE outcome in the run's item and sends ONE e-mail for the whole fleet run.
// Shard tasks run in their own ECS task group, so the per-task recorder never sees them.

import { randomUUID } from 'node:crypto';

import { DescribeTasksCommand } from '@aws-sdk/client-ecs';
import { StartExecutionCommand } from '@aws-sdk/client-sfn';

import { classify, lastLogMessages, readStrataOutput } from './outcome.mjs';
import { recordFollowUp, recordOutcome, recordStart, runIdOf } from './run-store.mjs';
import { logLocation, registerRevision } from './start.mjs';

/** The ECS task group of shard tasks: not `family:...`, so the STOPPED rule does not match them. */
export const fleetGroupOf = (environment) => `strata-${environment}-fleet`;

/** Fleet mode runs `migrate` itself; dry runs, the read-only checks and repair stay one task. */
export const runsAsFleet = (config, request) => Boolean(config.fleet?.stateMachineArn)
  && request.command === 'migrate' && !request.readOnly && !request.dryRun;

/** The console page of an execution (the fleet run's "log" link). */
function executionUrl(region, executionArn) {
  return `https://${region}.console.aws.amazon.com/states/home?region=${region}#/v2/executions/details/${executionArn}`;
}

/**
 * Starts a fleet run: a task definition revision with the image, then one execution named by
 * the run id (derived from the Lambda request id: a retried invocation starts no second one).
 */
export async function startFleetRun({ ecs, sfn, doc, log }, config, request, requestId) {
  const taskDefinitionArn = request.taskDefinitionArn ?? await registerRevision(ecs, config, request);
  const runId = `fleet-${requestId ?? randomUUID()}`;
  const started = await sfn.send(new StartExecutionCommand({
    stateMachineArn: config.fleet.stateMachineArn,
    name: runId,
    input: JSON.stringify({ runId, taskDefinitionArn }),
  }));
  const item = {
    environment: config.environment,
    command: request.command,
    fleet: true,
    shardCount: config.fleet.shards,
    executionArn: started.executionArn,
    taskDefinitionArn,
    image: request.image,
    commit: request.commit,
    requestedBy: request.requestedBy,
    startedAt: new Date().toISOString(),
    attempt: 1,
    firstRunId: runId,
    logUrl: executionUrl(config.region, started.executionArn),
  };
  await recordStart(doc, config.runsTable, runId, item);
  log({ msg: 'fleet run started', runId, ...item });
  return { runId, ...item };
}

// How serious a shard's exit is, as strata ranks a fleet's exit codes (README "Fleets"):
// interrupted > configuration > cannot connect > lock timeout > a migration failed. A task
// that ended without an exit code (never started, stopped by ECS) ranks with interrupted.
function severity(exitCode) {
  if (exitCode === 0) return 0;
  if (exitCode === null || exitCode === undefined || [130, 137, 143].includes(exitCode)) return 5;
  return { 2: 4, 3: 3, 4: 2 }[exitCode] ?? 1;
}

/** The task ARN of one Map iteration's result: its output, or the task in a Catch's Cause. */
function taskArnOf(result) {
  if (result.task?.taskArn) return result.task.taskArn;
  try {
    const cause = JSON.parse(result.failure?.Cause ?? '');
    return cause.TaskArn ?? cause.taskArn;
  } catch {
    return undefined;
  }
}

async function describeTasks(ecs, cluster, taskArns) {
  const byArn = new Map();
  for (let i = 0; i < taskArns.length; i += 100) {
    const out = await ecs.send(new DescribeTasksCommand({ cluster, tasks: taskArns.slice(i, i + 100) }));
    for (const task of out.tasks ?? []) byArn.set(task.taskArn, task);
  }
  return byArn;
}

/** A shard's error from its fleet summary: strata logs a failed target's error, not the fleet's. */
function targetError(failedTargets) {
  if (failedTargets.length === 0) return undefined;
  const [first] = failedTargets;
  const more = failedTargets.length > 1 ? ` (and ${failedTargets.length - 1} more targets)` : '';
  return { message: `target ${first.name}: ${first.message ?? `exit ${first.exitCode}`}${more}` };
}

/** One shard's outcome from its stopped task and the last lines of its log. */
async function shardOutcome(io, config, result, task) {
  const shard = `${result.shard}/${config.fleet.shards}`;
  if (!task) {
    const outcome = classify({ stopCode: 'TaskFailedToStart' });
    const message = [result.failure?.Error, result.failure?.Cause].filter(Boolean).join(': ') || 'the shard task did not start';
    return { shard, outcome: outcome.kind, exitCode: null, exitWords: outcome.words, error: { message: message.slice(0, 1000) } };
  }
  const where = logLocation(config, task.taskArn);
  const exitCode = task.containers?.find((c) => c.name === config.containerName)?.exitCode;
  const messages = exitCode === undefined || exitCode === null ? [] : await lastLogMessages(io.logs, where, io.log);
  const { document, errorLine } = readStrataOutput(messages);
  const outcome = classify({ exitCode, stopCode: task.stopCode, document, errorLine });
  const failedTargets = (document?.targets ?? []).filter((t) => t.outcome === 'failed').slice(0, 20)
    .map((t) => ({ name: t.name, exitCode: t.exitCode, message: t.error?.message }));
  return {
    shard,
    runId: runIdOf(task.taskArn),
    outcome: outcome.kind,
    exitCode: outcome.exitCode,
    exitWords: outcome.words,
    targets: Array.isArray(document?.targets) ? document.targets.length : undefined,
    failedTargets: failedTargets.length ? failedTargets : undefined,
    error: outcome.kind === 'success' ? undefined : outcome.error ?? targetError(failedTargets) ?? { message: task.stoppedReason },
    stoppedReason: task.stoppedReason,
    logUrl: where.logUrl,
  };
}

/** The fleet run's item: the most serious shard decides outcome, exit code and error. */
function fleetFields(config, input, shards, nowIso) {
  const failed = shards.filter((s) => s.outcome !== 'success');
  const worst = failed.reduce((a, s) => (severity(s.exitCode) > severity(a.exitCode) ? s : a), failed[0]);
  const startedAt = input.startedAt ?? nowIso;
  const durationMs = Date.parse(nowIso) - Date.parse(startedAt);
  const error = worst?.error ? { ...worst.error, message: `shard ${worst.shard}: ${worst.error.message ?? worst.exitWords}` } : undefined;
  return {
    environment: config.environment,
    command: 'migrate',
    fleet: true,
    taskDefinitionArn: input.taskDefinitionArn,
    attempt: 1,
    firstRunId: input.runId,
    startedAt,
    finishedAt: nowIso,
    durationMs: Number.isFinite(durationMs) ? durationMs : undefined,
    status: worst ? 'FAILED' : 'SUCCEEDED',
    outcome: worst ? worst.outcome : 'success',
    transient: false,
    exitCode: worst ? worst.exitCode : 0,
    exitWords: worst ? worst.exitWords : 'success',
    shardCount: shards.length,
    shardsFailed: failed.length,
    shards,
    error,
  };
}

/**
 * The state machine's last step. `input` is { runId, taskDefinitionArn, startedAt,
 * shardResults: [{ shard, task: { taskArn } } | { shard, failure: { Error, Cause } }] }.
 * Records the run once (a repeated invocation finds finishedAt set and does nothing) and
 * e-mails a failure. Fleet runs are not retried automatically: re-running the fleet migrates
 * only what is still pending, so that is left to a person.
 */
export async function aggregateFleetRun(io, config, input, { metricsDocument, publishFailure }) {
  const results = [...(input?.shardResults ?? [])].sort((a, b) => a.shard - b.shard);
  if (!input?.runId || results.length === 0) throw new Error('the fleet aggregator needs runId and shardResults');
  const taskArns = results.map(taskArnOf).filter(Boolean);
  const tasks = taskArns.length ? await describeTasks(io.ecs, config.cluster, taskArns) : new Map();
  const shards = [];
  for (const result of results) shards.push(await shardOutcome(io, config, result, tasks.get(taskArnOf(result))));
  const fields = fleetFields(config, input, shards, new Date(io.now()).toISOString());
  const run = await recordOutcome(io.doc, config.runsTable, input.runId, fields);
  if (!run) {
    io.log({ msg: 'fleet outcome already recorded: repeated invocation ignored', runId: input.runId });
    return { runId: input.runId, duplicate: true };
  }
  io.log(metricsDocument(run, io.now()));
  if (run.status === 'SUCCEEDED') return { runId: run.runId, status: run.status };
  const action = { action: 'none', reason: 'fleet runs are not retried automatically; a new run migrates only what is pending' };
  let subject;
  try {
    if (config.topicArn) subject = await publishFailure(io.sns, config.topicArn, run, action);
  } catch (error) {
    io.log({ msg: 'could not publish the failure e-mail', runId: run.runId, error: error.message });
  }
  await recordFollowUp(io.doc, config.runsTable, run.runId, { automaticAction: 'none', automaticReason: action.reason, notified: subject });
  return { runId: run.runId, status: run.status, outcome: run.outcome, shardsFailed: run.shardsFailed, notified: subject };
}
