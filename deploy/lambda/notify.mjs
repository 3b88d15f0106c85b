// The failure e-mail (published to the environment's SNS topic) and the run's metrics in
// CloudWatch's embedded metric format (a JSON line in the function's own log).

import { PublishCommand } from '@aws-sdk/client-sns';

import { location } from './outcome.mjs';

export const METRIC_NAMESPACE = 'Strata/Migrations';

// SNS subjects: ASCII, no line breaks, at most 100 characters.
function subjectText(text) {
  const ascii = text.replace(/[^\x20-\x7e]/g, '?');
  return ascii.length <= 100 ? ascii : `${ascii.slice(0, 97)}...`;
}

/** Subject and body of the e-mail about a failed run. `action` is the policy's decision. */
export function failureEmail(run, action) {
  const error = run.error ?? {};
  const what = run.fleet
    ? `${run.shardsFailed} of ${run.shardCount} shards (${run.outcome.replace(/_/g, ' ')})`
    : error.migration ?? error.file ?? run.outcome.replace(/_/g, ' ');
  const state = error.sqlState ? ` SQLSTATE ${error.sqlState}` : '';
  const next = action.action === 'retry' ? ' - retrying' : action.action === 'repair' ? ' - repairing' : '';
  const subject = subjectText(`[strata ${run.environment}] ${run.command} failed: ${what}${state}${next}`);
  const lines = [
    `strata ${run.command} failed in ${run.environment}: ${run.exitWords} (exit code ${run.exitCode ?? 'none'}).`,
    '',
    `Error:      ${error.message ?? run.stoppedReason ?? '(strata wrote no error line)'}`,
  ];
  const where = location(error);
  if (where) lines.push(`Where:      ${where}`);
  if (error.migration) lines.push(`Migration:  ${error.migration}`);
  if (error.sqlState) lines.push(`SQLSTATE:   ${error.sqlState}`);
  if (error.detail) lines.push(`DETAIL:     ${error.detail}`);
  if (error.hint) lines.push(`HINT:       ${error.hint}`);
  lines.push(`Fix:        ${error.fix ?? 'see "When the alarm e-mail arrives" in the README'}`);
  lines.push('', `Automatic action: ${action.action === 'none' ? 'none' : action.action} (${action.reason})`);
  if (action.nextRunId) lines.push(`Next run:   ${action.nextRunId}`);
  lines.push(
    '',
    `Run:        ${run.runId} (attempt ${run.attempt ?? 1}${run.retryOf ? `, after run ${run.retryOf}` : ''})`,
    `Image:      ${run.image ?? '-'}`,
    `Commit:     ${run.commit ?? '-'}`,
    `Started by: ${run.requestedBy ?? '-'}`,
    run.fleet ? `Execution:  ${run.executionArn ?? '-'}`
      : `Task:       ${run.taskArn}${run.stopCode ? ` (${run.stopCode}: ${run.stoppedReason ?? ''})` : ''}`,
    `Logs:       ${run.logUrl ?? '-'}`,
  );
  if (run.shards) lines.push('', `Shards (${run.shardsFailed} of ${run.shards.length} failed):`, ...run.shards.flatMap(shardLines));
  return { subject, message: `${lines.join('\n')}\n` };
}

/** A fleet run's shard in the e-mail: its outcome, failed targets and log link. */
function shardLines(shard) {
  const head = `  ${shard.shard}  ${shard.outcome}${shard.exitCode === null || shard.exitCode === undefined ? '' : ` (exit ${shard.exitCode})`}`;
  if (shard.outcome === 'success') return [head];
  const targets = (shard.failedTargets ?? []).map((t) => `      ${t.name}: ${t.message ?? `exit ${t.exitCode}`}`);
  const why = targets.length ? targets : [`      ${shard.error?.message ?? shard.exitWords}`];
  return [head, ...why, `      logs: ${shard.logUrl ?? '-'}`];
}

export async function publishFailure(sns, topicArn, run, action) {
  const { subject, message } = failureEmail(run, action);
  await sns.send(new PublishCommand({ TopicArn: topicArn, Subject: subject, Message: message }));
  return subject;
}

/** One EMF document: CloudWatch turns it into metrics when the function logs it. */
export function metricsDocument(run, nowMs) {
  const failed = run.status === 'SUCCEEDED' ? 0 : 1;
  return {
    _aws: {
      Timestamp: nowMs,
      CloudWatchMetrics: [{
        Namespace: METRIC_NAMESPACE,
        Dimensions: [['Environment'], ['Environment', 'Command']],
        Metrics: [
          { Name: 'Runs', Unit: 'Count' },
          { Name: 'Failures', Unit: 'Count' },
          { Name: 'TransientFailures', Unit: 'Count' },
          { Name: 'Duration', Unit: 'Milliseconds' },
          { Name: 'MigrationsApplied', Unit: 'Count' },
        ],
      }],
    },
    Environment: run.environment,
    Command: run.command,
    Runs: 1,
    Failures: failed,
    TransientFailures: failed && run.transient ? 1 : 0,
    Duration: run.durationMs ?? 0,
    MigrationsApplied: run.migrationsExecuted ?? 0,
    runId: run.runId,
    outcome: run.outcome,
  };
}
