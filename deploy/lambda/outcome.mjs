// What a stopped strata task did: reads strata's result document (the last JSON line it
// prints under --log-format json) or, from older images, its last error log line, and
// classifies the run so the recorder knows whether a retry is safe.

import { GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';

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

// SQLSTATEs that say the database went away or a lock could not be had: the same run
// later can succeed. Class 08 is "connection exception"; 57P01-57P03 are shutdown and
// "cannot connect now" (a failover); 55P03 is lock_not_available (lock_timeout).
const TRANSIENT_SQLSTATE = /^(08...|57P0[123]|55P03)$/;
// ECS stop codes meaning ECS (not strata, not a person) ended the task.
const ECS_INITIATED_STOPS = new Set(['ServiceSchedulerInitiated', 'SpotInterruption', 'TerminationNotice']);

function parseJson(text) {
  try {
    const value = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

// A fleet run (strata migrate -e FLEET) ends with its summary document: command, exitCode, targets.
const isFleetSummary = (o) => typeof o.command === 'string' && Array.isArray(o.targets);
const isResultDocument = (o) => typeof o.operation === 'string' || (o.error && typeof o.error === 'object') || isFleetSummary(o);
const isErrorLine = (o) => o.level === 'error' || o.level === 'fatal';

/**
 * From the last log messages of a task (oldest first): strata's result document when the
 * last JSON line is one, and the last error log line either way.
 */
export function readStrataOutput(messages) {
  let document;
  let errorLine;
  let sawLast = false;
  for (let i = messages.length - 1; i >= 0; i -= 1) {
    const line = parseJson(messages[i]);
    if (!line) continue;
    if (!sawLast) {
      sawLast = true;
      if (isResultDocument(line)) document = line;
    }
    if (!errorLine && isErrorLine(line)) errorLine = line;
    if (sawLast && errorLine) break;
  }
  return { document, errorLine };
}

const blankToUndefined = (v) => (v === '' || v === null || v === 0 ? undefined : v);

/** The last lines of a task's log stream (oldest first); [] when they cannot be read. */
export async function lastLogMessages(logs, where, log) {
  if (!where.logGroup || !where.logStream) return [];
  try {
    const out = await logs.send(new GetLogEventsCommand({
      logGroupName: where.logGroup, logStreamName: where.logStream, startFromHead: false, limit: 50,
    }));
    return (out.events ?? []).map((e) => e.message ?? '');
  } catch (error) {
    log({ msg: 'could not read the task log', error: error.message, ...where });
    return [];
  }
}

/** The error of a run in one shape, from the result document or the error log line. */
export function errorDetails(document, errorLine) {
  const e = document?.error;
  if (e) {
    return prune({
      errorCode: e.errorCode,
      sqlState: blankToUndefined(e.sqlState),
      message: e.message,
      file: blankToUndefined(e.file),
      line: blankToUndefined(e.line),
      column: blankToUndefined(e.column),
      migration: blankToUndefined(e.migration),
      fix: blankToUndefined(e.fix),
      detail: blankToUndefined(e.detail),
      hint: blankToUndefined(e.hint),
      repairSafe: e.repairSafe === true ? true : undefined,
    });
  }
  if (!errorLine) return undefined;
  return prune({
    errorKind: errorLine.error_kind,
    sqlState: blankToUndefined(errorLine.sqlstate),
    message: errorLine.msg ?? errorLine.message,
    file: blankToUndefined(errorLine.file),
    line: blankToUndefined(errorLine.line),
    column: blankToUndefined(errorLine.column),
    migration: blankToUndefined(errorLine.migration),
    detail: blankToUndefined(errorLine.detail),
    hint: blankToUndefined(errorLine.hint),
  });
}

function prune(object) {
  return Object.fromEntries(Object.entries(object).filter(([, v]) => v !== undefined));
}

/** Migrations applied by a successful migrate, as the runs table keeps them. */
export function appliedMigrations(document) {
  const list = Array.isArray(document?.migrations) ? document.migrations : [];
  return list.slice(0, 200).map((m) => prune({
    version: m.version ?? undefined,
    description: m.description,
    type: m.type,
    filepath: m.filepath,
    executionTimeMs: m.executionTime,
  }));
}

/**
 * Classifies a stopped task. `kind` is one of: success, sql_error, validation_failed,
 * configuration, lock_timeout, connection_lost, cannot_connect, interrupted,
 * stopped_before_exit, task_never_started, failed. `transient` says a retry may succeed.
 */
export function classify({ exitCode, stopCode, document, errorLine }) {
  const error = errorDetails(document, errorLine);
  const sqlState = error?.sqlState;
  const base = { exitCode: exitCode ?? null, words: describeExitCode(exitCode), error };
  if (exitCode === 0) return { ...base, kind: 'success', transient: false };
  if (exitCode === undefined || exitCode === null) {
    if (stopCode === 'TaskFailedToStart') return { ...base, kind: 'task_never_started', transient: false };
    const byEcs = ECS_INITIATED_STOPS.has(stopCode);
    return { ...base, kind: 'stopped_before_exit', transient: byEcs };
  }
  if (exitCode === 4 || error?.errorKind === 'lock_timeout' || sqlState === '55P03') {
    return { ...base, kind: 'lock_timeout', transient: true };
  }
  if (exitCode === 3) return { ...base, kind: 'cannot_connect', transient: true };
  if (sqlState && TRANSIENT_SQLSTATE.test(sqlState)) return { ...base, kind: 'connection_lost', transient: true };
  if (exitCode === 2) return { ...base, kind: 'configuration', transient: false };
  if (exitCode === 130 || exitCode === 143 || exitCode === 137) {
    return { ...base, kind: 'interrupted', transient: ECS_INITIATED_STOPS.has(stopCode) };
  }
  const validation = error?.errorCode === 'VALIDATE_ERROR' || error?.errorKind === 'validation_failed'
    || document?.operation === 'validate';
  if (validation) return { ...base, kind: 'validation_failed', transient: false };
  if (exitCode === 1) return { ...base, kind: 'sql_error', transient: false };
  return { ...base, kind: 'failed', transient: false };
}

/** "file:line:col", or whatever part of it is known. */
export function location(error) {
  if (!error?.file) return undefined;
  return [error.file, error.line, error.line ? error.column : undefined].filter((p) => p !== undefined).join(':');
}
