// The runs table: one item per run (one ECS task), keyed by the task's id.
// The starter writes what was asked; the STOPPED event's handler writes the outcome once.
// Both write with UpdateItem and never overwrite the other's fields, so the two may
// arrive in either order, and a repeated STOPPED delivery is recognised by its condition.

import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';

export const RUNNING = 'RUNNING';

/** The run id of a task: the last part of its ARN (unique per task). */
export const runIdOf = (taskArn) => taskArn.split('/').pop();

function updateExpression(fields, { ifNotExists = [] } = {}) {
  const names = {};
  const values = {};
  const sets = [];
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    names[`#${key}`] = key;
    values[`:${key}`] = value;
    sets.push(ifNotExists.includes(key) ? `#${key} = if_not_exists(#${key}, :${key})` : `#${key} = :${key}`);
  }
  return {
    UpdateExpression: `SET ${sets.join(', ')}`,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
}

/**
 * Records a started run. Fields the outcome may already have written (status, startedAt)
 * are only set when absent: a very short task's STOPPED event can come first.
 */
export async function recordStart(doc, table, runId, fields) {
  await doc.send(new UpdateCommand({
    TableName: table,
    Key: { runId },
    ...updateExpression({ status: RUNNING, ...fields }, { ifNotExists: ['status', 'startedAt'] }),
  }));
}

/**
 * Records a run's outcome once. Returns the whole item after the write, or null when the
 * outcome was recorded before (a duplicate EventBridge delivery): the caller then does nothing.
 */
export async function recordOutcome(doc, table, runId, fields) {
  try {
    const out = await doc.send(new UpdateCommand({
      TableName: table,
      Key: { runId },
      ...updateExpression(fields, { ifNotExists: ['environment', 'startedAt', 'command', 'attempt', 'firstRunId', 'readOnly', 'dryRun', 'taskDefinitionArn'] }),
      ConditionExpression: 'attribute_not_exists(finishedAt)',
      ReturnValues: 'ALL_NEW',
    }));
    return out.Attributes;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException || error?.name === 'ConditionalCheckFailedException') return null;
    throw error;
  }
}

/** Adds what was done automatically after a run (the next run's id, the e-mail). */
export async function recordFollowUp(doc, table, runId, fields) {
  await doc.send(new UpdateCommand({ TableName: table, Key: { runId }, ...updateExpression(fields) }));
}
